# One image for both roles: `npm run start:api` (default) or `npm run start:worker`.
# TypeScript runs through tsx (a runtime dependency), as in development; training threads load
# their TypeScript entry the same way (workers/thread-bootstrap.mjs).

FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json tsconfig.json ./
COPY --chown=node:node src ./src
COPY --chown=node:node scripts ./scripts
COPY --chown=node:node workers ./workers
COPY --chown=node:node openapi ./openapi
USER node
EXPOSE 3000
CMD ["npm", "run", "start:api"]
