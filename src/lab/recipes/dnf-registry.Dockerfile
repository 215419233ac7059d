# Registry image (rockylinux:9, ...) made into a tsplay lab SSH target.
ARG BASE
FROM ${BASE}
RUN dnf -y install systemd openssh-server ca-certificates curl-minimal iproute procps-ng sudo python3 \
      nftables iptables-nft firewalld passwd \
 && dnf clean all
COPY repo /opt/tsplay-lab-repo
COPY configure-target.sh /tmp/configure-target.sh
RUN sh /tmp/configure-target.sh && rm -f /tmp/configure-target.sh
STOPSIGNAL SIGRTMIN+3
CMD ["/sbin/init"]
