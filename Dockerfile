# fakeghcr as a container image: the static binary and nothing else (no shell,
# no CA certificates, no /tmp: `fakeghcr serve` needs none of them).
#
# Nothing is pulled, not even a base image: the binary is built outside Docker
# first. One command builds both (tag fakeghcr:dev):
#
#   scripts/build-image.sh
#
# or by hand, from the repository root (.dockerignore sends only ./fakeghcr):
#
#   CGO_ENABLED=0 GOOS=linux go build -o fakeghcr ./cmd/fakeghcr && docker build -t fakeghcr:dev .
#
# Run it with the default world, or with a scenario file mounted at /scenario.yaml:
#
#   docker run --rm -p 127.0.0.1:5000:5000 fakeghcr:dev
#   docker run --rm -p 127.0.0.1:5000:5000 -e FAKEGHCR_ADMIN_TOKEN=secret \
#     -v "$PWD/world.yaml:/scenario.yaml:ro" -e FAKEGHCR_SCENARIO=/scenario.yaml fakeghcr:dev
#
# Every `serve` flag is also a FAKEGHCR_* variable (fakeghcr serve --help).
FROM scratch
COPY fakeghcr /fakeghcr
ENV FAKEGHCR_ADDR=0.0.0.0:5000
EXPOSE 5000
# nobody: a port above 1024 needs no privilege, and no /etc/passwd is needed
# for a numeric user. A mounted scenario file must be world-readable, and its
# host path must exist (Docker creates a directory for a missing one).
USER 65534:65534
# healthcheck asks http://127.0.0.1:5000/_fakeghcr/healthz; if FAKEGHCR_ADDR
# moves the port, set FAKEGHCR_URL to match.
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 CMD ["/fakeghcr", "healthcheck"]
ENTRYPOINT ["/fakeghcr"]
CMD ["serve"]
