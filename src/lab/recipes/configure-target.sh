#!/bin/sh
# Turns a root filesystem into a tsplay lab SSH target. Runs as root inside a chroot (debootstrap
# images) or a `docker build` step (registry images). Must stay idempotent and POSIX sh.
set -eu

# A sudo user besides root, for become tests.
if ! id deploy >/dev/null 2>&1; then useradd -m -s /bin/bash deploy; fi
mkdir -p /etc/sudoers.d
echo 'deploy ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/tsplay-deploy
chmod 0440 /etc/sudoers.d/tsplay-deploy
mkdir -p /root/.ssh && chmod 0700 /root/.ssh

# sshd: key auth only; the lab drops its public key into /etc/ssh/tsplay_authorized_keys (root-owned,
# 0644) at container start, valid for root and deploy. Only an ed25519 host key, made per container.
mkdir -p /etc/ssh/sshd_config.d
cat > /etc/ssh/sshd_config.d/00-tsplay-lab.conf <<'CONF'
HostKey /etc/ssh/ssh_host_ed25519_key
AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/tsplay_authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
CONF
if ! grep -q '^Include /etc/ssh/sshd_config.d' /etc/ssh/sshd_config; then
  sed -i '1i Include /etc/ssh/sshd_config.d/*.conf' /etc/ssh/sshd_config
fi
rm -f /etc/ssh/ssh_host_*
cat > /etc/systemd/system/tsplay-hostkey.service <<'UNIT'
[Unit]
Description=tsplay lab: make this container's SSH host key
Before=ssh.service sshd.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key

[Install]
WantedBy=multi-user.target
UNIT
mkdir -p /etc/systemd/system/multi-user.target.wants
ln -sf /etc/systemd/system/tsplay-hostkey.service /etc/systemd/system/multi-user.target.wants/tsplay-hostkey.service
# sshd.service on RHEL-family wants sshd-keygen.target; fine either way (our unit runs first).
if [ -e /lib/systemd/system/ssh.service ] || [ -e /usr/lib/systemd/system/ssh.service ]; then
  systemctl enable ssh.service >/dev/null 2>&1 || true
fi
if [ -e /usr/lib/systemd/system/sshd.service ] && [ ! -e /usr/lib/systemd/system/ssh.service ]; then
  systemctl enable sshd.service >/dev/null 2>&1 || true
fi

# Units that only make sense on real hardware or with a console fail or hang in a container
# (tmp.mount: trixie mounts a tmpfs on /tmp, which needs CAP_SYS_ADMIN).
for u in getty@tty1.service serial-getty@console.service console-getty.service systemd-udevd.service \
         systemd-udev-trigger.service systemd-modules-load.service sys-kernel-config.mount \
         sys-kernel-debug.mount systemd-remount-fs.service systemd-firstboot.service \
         systemd-networkd-wait-online.service tmp.mount; do
  ln -sf /dev/null "/etc/systemd/system/$u"
done
# firewalld is installed (rpm-family images) but off: it needs NET_ADMIN; firewall roles enable it.
if [ -e /lib/systemd/system/firewalld.service ] || [ -e /usr/lib/systemd/system/firewalld.service ]; then
  systemctl disable firewalld.service >/dev/null 2>&1 || true
fi

# Each container gets its own machine-id at boot.
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id

# The lab's package repositories, baked in as file:// repos (see docs/lab.md).
if [ -d /opt/tsplay-lab-repo/apt ] && command -v apt-get >/dev/null 2>&1; then
  echo 'deb [trusted=yes] file:/opt/tsplay-lab-repo/apt ./' > /etc/apt/sources.list.d/tsplay-lab.list
  # Only the local repo's index is shipped: an `apt-get install` of the stand-in works offline;
  # Debian's own indexes come from an `apt-get update` in the container.
  rm -rf /var/lib/apt/lists/*
  apt-get update -qq -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/tsplay-lab.list \
    -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 >/dev/null
  apt-get clean
fi
if [ -d /opt/tsplay-lab-repo/rpm ] && command -v dnf >/dev/null 2>&1; then
  mkdir -p /etc/yum.repos.d
  cat > /etc/yum.repos.d/tsplay-lab.repo <<'REPO'
[tsplay-lab]
name=tsplay lab (stand-in packages)
baseurl=file:///opt/tsplay-lab-repo/rpm
enabled=1
gpgcheck=0
metadata_expire=0
REPO
  # Debian's dnf cannot detect a release version (no rpm provides system-release).
  if [ -f /etc/debian_version ]; then
    mkdir -p /etc/dnf/vars
    cut -d. -f1 /etc/debian_version > /etc/dnf/vars/releasever
  fi
fi

rm -rf /tmp/* /var/tmp/* /var/cache/apt/*.bin /var/log/apt/* 2>/dev/null || true
