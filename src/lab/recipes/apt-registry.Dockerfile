# Registry image (ubuntu:22.04, ubuntu:24.04, ...) made into a tsplay lab SSH target.
ARG BASE
FROM ${BASE}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends systemd systemd-sysv dbus openssh-server ca-certificates curl \
      iproute2 procps sudo python3-minimal nftables iptables \
 && rm -rf /var/lib/apt/lists/*
COPY repo /opt/tsplay-lab-repo
COPY configure-target.sh /tmp/configure-target.sh
RUN sh /tmp/configure-target.sh && rm -f /tmp/configure-target.sh
STOPSIGNAL SIGRTMIN+3
CMD ["/sbin/init"]
