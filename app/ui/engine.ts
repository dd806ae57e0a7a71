/** Starts the engine worker once per page and wires it to the engine store. */
import { connectEngine } from './state/engineStore';
import { engineClient, type WorkerClient } from './workerClient';

let started = false;

export function startEngine(): WorkerClient {
  const client = engineClient();
  if (!started) {
    started = true;
    connectEngine(client);
  }
  return client;
}
