/** Starts the engine worker once per page and wires its events to every store. */
import { connectEngine } from './state/engineStore';
import { connectSampling } from './state/sampleStore';
import { connectTopology } from './state/topologyStore';
import { connectTraining } from './state/trainStore';
import { connectSymmetry } from './inspect/symmetryStore';
import { connectFinetune } from './finetune/finetuneStore';
import { connectProfiler } from './inspect/profilerStore';
import { connectNoise } from './inspect/noiseStore';
import { engineClient, type WorkerClient } from './workerClient';

let started = false;

export function startEngine(): WorkerClient {
  const client = engineClient();
  if (!started) {
    started = true;
    connectSampling(client);
    connectTraining(client);
    connectTopology(client);
    connectSymmetry(client);
    connectFinetune(client);
    connectProfiler(client);
    connectNoise(client);
    connectEngine(client);
  }
  return client;
}
