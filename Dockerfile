# One image for both roles: the API (default) or a worker (`node dist/workers/worker.js`).
# The image runs the compiled build (`npm run build`): no TypeScript compiler at run time, and
# node itself is PID 1's child process, so SIGTERM reaches it directly for a graceful drain.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY workers ./workers
COPY openapi ./openapi
RUN npm run build

FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
USER node
EXPOSE 3000
CMD ["node", "dist/scripts/start.js", "api"]
