/** A succeeded job's model: its weights (safetensors or JSON) and predictions. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  jobIdParamsSchema,
  modelJsonSchema,
  predictRequestSchema,
  predictResponseSchema,
  problemResponse,
} from '../schemas.js';

const modelRoutes: FastifyPluginAsyncZod = async (app) => {
  const { jobs } = app.services;

  app.get(
    '/v1/jobs/:id/model',
    {
      schema: {
        tags: ['models'],
        summary: 'Download the trained weights',
        operationId: 'getJobModel',
        description:
          'safetensors by default (nn.Sequential key names; `safetensors.torch.load_file` + `load_state_dict` in PyTorch), `?format=json`, or `?format=onnx`: an ONNX model (IR version 8, opset 17) with the input standardisation folded in, input `input` (batch × features), outputs `output` and, for classification, `predictions` (int64), and the label names as `labels` in metadata_props.',
        params: jobIdParamsSchema,
        querystring: z.object({ format: z.enum(['safetensors', 'json', 'onnx']).default('safetensors') }),
        response: {
          200: {
            description: 'The weights',
            content: {
              'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) },
              'application/json': { schema: modelJsonSchema },
              'application/onnx': { schema: z.string().meta({ format: 'binary' }) },
            },
          },
          404: problemResponse('Not found'),
          409: problemResponse('Conflict with the job state'),
          422: problemResponse('The model has a layer with no exact ONNX form (format=onnx)'),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (request.query.format === 'json') {
        return reply.type('application/json').send({ state_dict: await jobs.modelJson(request.tenant, id) });
      }
      if (request.query.format === 'onnx') {
        const onnx = await jobs.modelOnnx(request.tenant, id);
        return reply
          .type('application/onnx')
          .header('content-disposition', `attachment; filename="${id}.onnx"`)
          .send(Buffer.from(onnx.buffer, onnx.byteOffset, onnx.byteLength) as unknown as string);
      }
      const model = await jobs.model(request.tenant, id);
      return reply
        .type('application/octet-stream')
        .header('content-disposition', `attachment; filename="${id}.safetensors"`)
        .send(model as unknown as string); // a Buffer is sent as is; the schema documents it as binary
    },
  );

  app.post(
    '/v1/jobs/:id/predict',
    {
      schema: {
        tags: ['models'],
        summary: 'Run the trained model (eval mode)',
        operationId: 'predict',
        params: jobIdParamsSchema,
        body: predictRequestSchema,
        response: {
          200: predictResponseSchema,
          400: problemResponse('Invalid request'),
          404: problemResponse('Not found'),
          409: problemResponse('Conflict with the job state'),
        },
      },
    },
    async (request) => jobs.predict(request.tenant, request.params.id, request.body.x),
  );
};

export default modelRoutes;
