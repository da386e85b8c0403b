# The serving image: `rakuten-ml serve --model rakuten@champion` on port 8080, as a non-root user.
# Build: docker build -t rakuten-ml-serve .   Run: see docs/operations.md (needs DATABASE_URL,
# RAKUTEN_ML_JWT_SECRET, and the bundle store: RAKUTEN_ML_S3_BUCKET + AWS_*).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY cli cli
COPY core core
COPY data data
COPY models models
COPY registry registry
COPY serve serve
COPY pipelines pipelines
# `npm ci` runs the prepare script (tsc -> dist); dev dependencies are dropped afterwards.
RUN npm ci --no-audit --no-fund
# Serving stays on wasm by default (the native engine adds ~865 MB); --build-arg ENGINE=cpu builds it
# as Dockerfile.train does (docs/engine.md).
ARG ENGINE=none
RUN mkdir -p /root/.cache/rakuten-ml/engine && if [ "$ENGINE" = cpu ]; then \
      apt-get update && apt-get install -y --no-install-recommends python3-pip && rm -rf /var/lib/apt/lists/* && \
      node dist/cli/main.js engine install && rm -rf /root/.cache/pip /root/.npm; fi
RUN npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    RAKUTEN_ML_HOME=/var/lib/rakuten-ml \
    RAKUTEN_ML_LOG_LEVEL=info
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/data/db/migrations data/db/migrations
RUN useradd --system --uid 10001 --create-home rakuten && mkdir -p /var/lib/rakuten-ml && chown rakuten /var/lib/rakuten-ml
COPY --from=build --chown=10001 /root/.cache/rakuten-ml/engine /home/rakuten/.cache/rakuten-ml/engine
USER 10001
EXPOSE 8080
# Node 20 has fetch: no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve", "--model", "rakuten@champion", "--host", "0.0.0.0", "--port", "8080", "--reload-interval", "300"]
