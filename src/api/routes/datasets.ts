/**
 * The datasets resource: upload (CSV streamed and parsed as it arrives, IDX or .npy arrays
 * streamed and decoded as they arrive, or JSON), read, list and delete. The upload route takes its body as a raw stream (its own content-type parsers, scoped
 * to this plugin), so the size limit is counted by the service and reported with its value.
 */
import type { FastifySchemaCompiler } from 'fastify';
import { type FastifyPluginAsyncZod, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { UnsupportedMediaTypeError } from '../../service/dataset-errors.js';
import {
  datasetArraysUploadSchema,
  datasetCsvUploadSchema,
  datasetJsonUploadSchema,
  datasetListSchema,
  datasetSchema,
  datasetUploadQuerySchema,
} from '../../service/dataset-resource.js';
import { DATASET_ID_PATTERN } from '../../service/ids.js';
import { problemResponse } from '../schemas.js';

const passBody: FastifySchemaCompiler<unknown> = (route) =>
  route.httpPart === 'body' ? (data: unknown) => ({ value: data }) : validatorCompiler(route as never);

const datasetIdParamsSchema = z.object({ id: z.string().min(1).max(64).describe('Dataset id.') });

const datasetListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(DATASET_ID_PATTERN, 'expected the next_cursor of a previous page (a dataset id)')
    .optional()
    .describe('`next_cursor` of the previous page.'),
});

const datasetRoutes: FastifyPluginAsyncZod = async (app) => {
  const { datasets } = app.services;

  // Bodies of this plugin's routes arrive as streams; the service parses and limits them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['text/csv', 'application/json', 'application/octet-stream', 'application/x-npy'],
    (_request, payload, done) => done(null, payload),
  );
  // Any other type reaches the handler, which refuses it (415) naming the types accepted.
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post(
    '/v1/datasets',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Upload a dataset',
        description:
          'CSV (`text/csv`) with a header row; `?target=` names the label column (default: the last). Features must be numeric; a label column of strings becomes class indices (sorted by name; the mapping is kept as `target.labels`). Or JSON `{"x": [[...]], "y": [...]}` (integer x, such as token ids, is stored as int32). ' +
          'Or arrays, x (N, ...) then y (N,), as two files back to back in one body: IDX files (`application/octet-stream`, MNIST’s format; `cat train-images-idx3-ubyte train-labels-idx1-ubyte`) or NumPy .npy files (`application/x-npy`, or `application/octet-stream`: told apart by their magic; `cat x.npy y.npy`), gzipped or not. ' +
          'IDX (N, H, W) images get a channel, (1, H, W) per sample; .npy shapes are kept. uint8 x is stored as bytes and scaled to [0, 1] (÷ 255) when a job reads it; other integer x (int64 token ids, ...) is stored as int32 (values must fit); float32/float64 x as float32. Integer y are class indices, float y real targets; the dataset’s `x` says how x is stored. ' +
          'Stored in binary (Int32 class or Float32 real targets). Bad files get 400 naming what is wrong (the row and column; the array and index; a bad magic or header, an unsupported dtype, a y whose count is not x’s); uploads over `MAX_DATASET_BYTES`, or whose headers declare more, get 413; other content types 415.',
        querystring: datasetUploadQuerySchema,
        body: datasetJsonUploadSchema,
        response: {
          201: datasetSchema,
          400: problemResponse('Invalid dataset'),
          413: problemResponse('Upload too large'),
          415: problemResponse('Unsupported media type'),
        },
      },
      // The body is a stream here; the zod schemas document its forms (JSON above, the others in config).
      validatorCompiler: passBody,
      config: {
        openapiBodyContent: {
          'text/csv': datasetCsvUploadSchema,
          'application/octet-stream': datasetArraysUploadSchema,
          'application/x-npy': datasetArraysUploadSchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as unknown as AsyncIterable<Buffer>;
      const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      const declared = Number(request.headers['content-length']);
      const options = {
        ...request.query,
        owner: request.tenant,
        ...(Number.isFinite(declared) ? { contentLength: declared } : {}),
      };
      let dataset: Awaited<ReturnType<typeof datasets.get>>;
      if (type === 'text/csv') dataset = await datasets.uploadCsv(body, options);
      else if (type === 'application/json') dataset = await datasets.uploadJson(body, options);
      else if (type === 'application/octet-stream')
        dataset = await datasets.uploadBinary(body, 'idx', options);
      else if (type === 'application/x-npy') dataset = await datasets.uploadBinary(body, 'npy', options);
      else throw new UnsupportedMediaTypeError(request.headers['content-type']);
      request.log.info({ dataset_id: dataset.id, rows: dataset.rows }, 'dataset stored');
      return reply.code(201).header('location', `/v1/datasets/${dataset.id}`).send(dataset);
    },
  );

  app.get(
    '/v1/datasets',
    {
      schema: {
        tags: ['datasets'],
        summary: 'List datasets, newest first',
        querystring: datasetListQuerySchema,
        response: { 200: datasetListSchema, 400: problemResponse('Invalid request') },
      },
    },
    async (request) => {
      const page = await datasets.list(request.tenant, request.query);
      return { data: page.datasets, next_cursor: page.next };
    },
  );

  app.get(
    '/v1/datasets/:id',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Get a dataset’s metadata',
        params: datasetIdParamsSchema,
        response: { 200: datasetSchema, 404: problemResponse('Not found') },
      },
    },
    async (request) => datasets.get(request.tenant, request.params.id),
  );

  app.delete(
    '/v1/datasets/:id',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Delete a dataset',
        description: 'Refused with 409 while a queued or running job uses it.',
        params: datasetIdParamsSchema,
        response: {
          204: z.undefined(),
          404: problemResponse('Not found'),
          409: problemResponse('Dataset in use'),
        },
      },
    },
    async (request, reply) => {
      await datasets.delete(request.tenant, request.params.id);
      return reply.code(204).send();
    },
  );
};

export default datasetRoutes;
