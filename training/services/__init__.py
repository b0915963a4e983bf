"""The only writers of the training tables: samples, batches, the taint list, AP-5 reversals."""
