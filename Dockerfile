# xaccel on an empty base: the static binary and nothing else.
#
# The build context holds the binary at <os>/<arch>/xaccel, the layout
# GoReleaser's dockers_v2 gives it (.goreleaser.yaml); .ci/run lays out a
# snapshot binary the same way and builds this file with podman.
#
#   docker run --rm -v ./nginx:/etc/nginx:ro -p 8080:8080 ghcr.io/xaccel/xaccel \
#       serve -c /etc/nginx/nginx.conf --listen 0.0.0.0:8080
#   docker run --rm -v ./nginx:/etc/nginx:ro ghcr.io/xaccel/xaccel lint /etc/nginx/nginx.conf
FROM scratch
ARG TARGETPLATFORM
# xaccel serve spools large request bodies to the temporary directory; an
# empty base has none, and WORKDIR creates it (before a COPY, so that
# buildah keeps it too).
WORKDIR /tmp
ENV TMPDIR=/tmp
COPY ${TARGETPLATFORM}/xaccel /usr/local/bin/xaccel
WORKDIR /
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/xaccel"]
CMD ["--help"]
