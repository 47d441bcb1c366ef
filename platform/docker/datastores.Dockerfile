# PostgreSQL 15 and Redis for docker-compose.yml, from Debian's packages, on the locally bootstrapped
# base image (platform/scripts/base-image.sh): the stack needs no image registry. One image, two
# services: the compose file runs `skylift-postgres` in one container and `redis-server` in another.
# Build context: platform/docker/.
ARG BASE=skylift/debian-slim:3.11
FROM ${BASE}
# No cluster at install time: skylift-postgres makes one in the data volume on its first start.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
    && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/skylift.conf \
    && apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql-15 redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data \
    && install -d -o postgres -g postgres /var/run/postgresql
COPY postgres-start.sh /usr/local/bin/skylift-postgres
ENV PATH=/usr/lib/postgresql/15/bin:$PATH
