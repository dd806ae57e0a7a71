/** The loss terms of one step (or the mean over a logging window), as the trainer reads them back and the worker reports them. */
export interface LossTerms {
  total: number;
  contrastive: number;
  denoise2Dto3D: number;
  atoms3Dto2D: number;
  bonds3Dto2D: number;
}
