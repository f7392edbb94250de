/** Errors of the datasets resource; like every ServiceError they map to problem responses in one place. */
import { type ProblemIssue, ServiceError } from './errors.js';

export class DatasetNotFoundError extends ServiceError {
  readonly code = 'dataset_not_found';
  readonly status = 404;
  readonly title = 'Dataset not found';

  constructor(readonly datasetId: string) {
    super(`No dataset with id ${datasetId}`);
    this.name = 'DatasetNotFoundError';
  }
}

/** A file that cannot be a dataset; `errors` names the row and column where known. */
export class InvalidDatasetError extends ServiceError {
  readonly code = 'invalid_dataset';
  readonly status = 400;
  readonly title = 'Invalid dataset';

  constructor(
    message: string,
    readonly issues: ProblemIssue[],
  ) {
    super(message);
    this.name = 'InvalidDatasetError';
  }
}

export class UnsupportedMediaTypeError extends ServiceError {
  readonly code = 'unsupported_media_type';
  readonly status = 415;
  readonly title = 'Unsupported media type';

  constructor(contentType: string | undefined) {
    super(
      `datasets are uploaded as text/csv, application/json, application/octet-stream (IDX or .npy files) or application/x-npy, not ${contentType ?? 'no content type'}`,
    );
    this.name = 'UnsupportedMediaTypeError';
  }
}

export class UploadTooLargeError extends ServiceError {
  readonly code = 'upload_too_large';
  readonly status = 413;
  readonly title = 'Upload too large';

  constructor(
    readonly limitBytes: number,
    detail?: string,
  ) {
    super(
      `the upload${detail === undefined ? '' : ` (${detail})`} exceeds the limit of ${limitBytes} bytes (MAX_DATASET_BYTES)`,
    );
    this.name = 'UploadTooLargeError';
  }
}

/** The dataset is referenced by a job that is queued or running. */
export class DatasetInUseError extends ServiceError {
  readonly code = 'dataset_in_use';
  readonly status = 409;
  readonly title = 'Dataset in use';

  constructor(datasetId: string, jobIds: string[]) {
    super(
      `dataset ${datasetId} is used by ${jobIds.length === 1 ? 'job' : 'jobs'} ${jobIds.join(', ')} (queued or running)`,
    );
    this.name = 'DatasetInUseError';
  }
}
