# syntax=docker/dockerfile:1
# Build stage: compile a release binary.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY fixtures ./fixtures
COPY openapi ./openapi
COPY benches ./benches
# jemalloc's build (tikv-jemalloc-sys) runs make, which the slim image lacks.
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
RUN cargo build --release --locked --bin fcmock

# Runtime stage: a small image with only the binary, running as a non-root user.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --no-create-home fcmock
COPY --from=build /src/target/release/fcmock /usr/local/bin/fcmock
USER fcmock
# Inside the container fcmock must listen on every interface to be reachable through a
# published port; outside a container it binds loopback by default.
ENV FCMOCK_HOST=0.0.0.0 FCMOCK_PORT=12111
# 12112: HTTPS when started with --tls-port 12112 (off by default).
EXPOSE 12111 12112
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s --retries=3 \
  CMD ["/usr/local/bin/fcmock", "healthcheck", "--url", "http://127.0.0.1:12111/_fcmock/health"]
ENTRYPOINT ["/usr/local/bin/fcmock"]
