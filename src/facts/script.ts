/**
 * The facts script: one POSIX shell script sent in one round trip. Sections start with
 * `@@tsplay-facts@@ NAME`; every command may fail quietly (a missing tool or file leaves its section
 * empty). It only reads local state: no DNS lookups, no packets sent (`ip route get` asks the
 * kernel's routing table).
 *
 * The first sections (os-release … user) feed tsplay's typed `facts`; the rest carry what Ansible's
 * fact collectors read (module_utils/facts), so that src/facts/ansible.ts can derive ansible_facts
 * with their names and rules without Python on the host.
 */
import { quote } from '../commands/quote.js';

export const MARK = '@@tsplay-facts@@';

/** Files Ansible's distribution collector and the distro library read (OSDIST_LIST and friends). */
export const DIST_FILES = [
  '/etc/os-release',
  '/usr/lib/os-release',
  '/etc/lsb-release',
  '/etc/debian_version',
  '/etc/altlinux-release',
  '/etc/oracle-release',
  '/etc/slackware-version',
  '/etc/centos-release',
  '/etc/redhat-release',
  '/etc/vmware-release',
  '/etc/openwrt_release',
  '/etc/system-release',
  '/etc/alpine-release',
  '/etc/arch-release',
  '/etc/SuSE-release',
  '/etc/gentoo-release',
  '/etc/sourcemage-release',
  '/etc/coreos/update.conf',
  '/etc/fedora-release',
  '/etc/rocky-release',
  '/etc/almalinux-release',
];

/** Paths Ansible's pkg_mgr collector tests, in its order (the last one present wins). */
export const PKG_MGR_PATHS: Array<[string, string]> = [
  ['/usr/bin/rpm-ostree', 'atomic_container'],
  ['/usr/bin/yum', 'yum'],
  ['/usr/bin/dnf', 'dnf'],
  ['/usr/bin/apt-get', 'apt'],
  ['/usr/bin/zypper', 'zypper'],
  ['/usr/sbin/urpmi', 'urpmi'],
  ['/usr/bin/pacman', 'pacman'],
  ['/bin/opkg', 'opkg'],
  ['/usr/pkg/bin/pkgin', 'pkgin'],
  ['/opt/local/bin/pkgin', 'pkgin'],
  ['/opt/tools/bin/pkgin', 'pkgin'],
  ['/opt/local/bin/port', 'macports'],
  ['/usr/local/bin/brew', 'homebrew'],
  ['/opt/homebrew/bin/brew', 'homebrew'],
  ['/sbin/apk', 'apk'],
  ['/usr/sbin/pkg', 'pkgng'],
  ['/usr/sbin/swlist', 'swdepot'],
  ['/usr/bin/emerge', 'portage'],
  ['/usr/sbin/pkgadd', 'svr4pkg'],
  ['/usr/bin/pkg', 'pkg5'],
  ['/usr/bin/xbps-install', 'xbps'],
  ['/usr/local/sbin/pkg', 'pkgng'],
  ['/usr/bin/swupd', 'swupd'],
  ['/usr/sbin/sorcery', 'sorcery'],
  ['/usr/bin/installp', 'installp'],
];

/** /sys/devices/virtual/dmi/id files LinuxHardware reads (chassis_type is form_factor). */
export const DMI_KEYS = [
  'bios_date',
  'bios_vendor',
  'bios_version',
  'board_asset_tag',
  'board_name',
  'board_serial',
  'board_vendor',
  'board_version',
  'chassis_asset_tag',
  'chassis_serial',
  'chassis_vendor',
  'chassis_version',
  'chassis_type',
  'product_name',
  'product_serial',
  'product_uuid',
  'product_version',
  'sys_vendor',
];

export interface FactsScriptOptions {
  /** setup's fact_path: `*.fact` files there become ansible_local (default /etc/ansible/facts.d). */
  factPath?: string;
}

export const DEFAULT_FACT_PATH = '/etc/ansible/facts.d';

/** Build the facts script. */
export function factsScript(o: FactsScriptOptions = {}): string {
  const factPath = quote(o.factPath ?? DEFAULT_FACT_PATH);
  const net = '/sys/class/net';
  return [
    // The remote environment as the login shell gave it (before this script changes PATH/LC_ALL).
    `printf '\\n${MARK} env\\n'; env`,
    'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; export PATH',
    'LC_ALL=C; export LC_ALL',
    'has() { command -v "$1" >/dev/null 2>&1; }',
    `s() { printf '\\n${MARK} %s\\n' "$1"; }`,
    // f NAME FILE: a section with the file's content, only when the file exists.
    'f() { [ -e "$2" ] && { s "$1"; cat "$2" 2>/dev/null; }; }',
    // rd FILE KEY: "KEY=first line" read by the shell itself (no process per file); nothing when unreadable.
    `rd() { _v=; [ -r "$1" ] && { IFS= read -r _v < "$1" 2>/dev/null || [ -n "$_v" ]; } && printf '%s=%s\\n' "$2" "$_v"; }`,
    's os-release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null',
    's arch; uname -m',
    's kernel; uname -r',
    's hostname; cat /proc/sys/kernel/hostname 2>/dev/null || hostname 2>/dev/null || uname -n',
    // fqdn from /etc/hosts only: `hostname -f` may query DNS.
    's hosts; cat /etc/hosts 2>/dev/null',
    's pkg; for b in apt-get dnf yum zypper apk; do has "$b" && echo "$b"; done',
    's service; if [ -d /run/systemd/system ]; then echo systemd; elif has openrc || [ -x /sbin/openrc-run ]; then echo openrc; elif [ -d /etc/init.d ]; then echo sysvinit; fi',
    's firewall; for b in nft iptables ufw firewall-cmd; do has "$b" && echo "$b"; done; if [ -d /run/systemd/system ] && systemctl is-active --quiet firewalld 2>/dev/null; then echo firewalld-active; fi',
    's ip; has ip && echo yes',
    's route; if has ip; then ip -4 route show default 2>/dev/null; else awk \'NR>1 && $2=="00000000" {print "dev", $1}\' /proc/net/route 2>/dev/null; fi',
    's default-addr; dev=$(ip -4 route show default 2>/dev/null | awk \'{for(i=1;i<NF;i++) if($i=="dev"){print $(i+1); exit}}\'); [ -n "$dev" ] && ip -4 -o addr show dev "$dev" 2>/dev/null',
    "s addrs; if has ip; then ip -o addr 2>/dev/null; else hostname -I 2>/dev/null || awk '/32 host LOCAL/ {print prev} {prev=$2}' /proc/net/fib_trie 2>/dev/null; fi",
    's mem; grep MemTotal /proc/meminfo 2>/dev/null',
    's cpus; nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c ^processor /proc/cpuinfo',
    's user; id -un; id -u',
    // ---- Ansible's collectors (src/facts/ansible.ts) ----
    // platform: uname -s/-r/-v/-m/-n, one per line; the userspace word size.
    's uname; uname -s; uname -r; uname -v; uname -m; uname -n',
    's bits; getconf LONG_BIT 2>/dev/null',
    's machine-id; { cat /var/lib/dbus/machine-id 2>/dev/null | grep . || cat /etc/machine-id 2>/dev/null; } | head -n 1',
    `for p in ${DIST_FILES.join(' ')}; do f "file $p" "$p"; done`,
    's lsb_release; has lsb_release && lsb_release -a 2>/dev/null',
    // Ansible uses the target python's own `distro` library when it has one; from 1.8 on it also
    // weighs /etc/debian_version ("12.11") in the Debian version.
    's py-distro; for d in /usr/lib/python3/dist-packages /usr/local/lib/python3*/dist-packages /usr/lib/python3*/site-packages /usr/lib64/python3*/site-packages; do if [ -f "$d/distro/distro.py" ]; then grep -q _debian_version "$d/distro/distro.py" && echo debian_version || echo system; break; fi; done',
    `s pkg-paths; for p in ${PKG_MGR_PATHS.map(([p]) => p).join(' ')}; do [ -e "$p" ] && echo "$p"; done; [ -e /run/ostree-booted ] && echo /run/ostree-booted`,
    // apt-get owned by rpm means APT-RPM (ALT Linux): Ansible asks rpm the same question.
    's apt-rpm; [ -e /usr/bin/rpm ] && [ -e /usr/bin/apt-get ] && /usr/bin/rpm -q --whatprovides /usr/bin/apt-get >/dev/null 2>&1 && echo yes',
    's service-mgr; cat /proc/1/comm 2>/dev/null || echo "@ps $(ps -p 1 -o comm 2>/dev/null | tail -n 1)"; [ -L /sbin/init ] && echo "@init $(readlink /sbin/init)"; has systemctl && echo @systemctl; for d in /run/systemd/system /dev/.run/systemd /dev/.systemd /etc/init /sbin/openrc /etc/init.d; do [ -e "$d" ] && echo "@path $d"; done; has initctl && echo @initctl',
    // user: getpass.getuser() reads LOGNAME, USER, LNAME, USERNAME, then the password entry of the uid.
    's ids; id -ru; id -u; id -rg; id -g',
    's passwd; n="${LOGNAME:-${USER:-${LNAME:-${USERNAME:-}}}}"; { [ -n "$n" ] && getent passwd "$n"; } || getent passwd "$(id -u)" || grep "^[^:]*:[^:]*:$(id -u):" /etc/passwd | head -n 1',
    // date_time: local fields, UTC ISO 8601, and the zone names of January and July (tzname).
    "s date; date '+%Y|%m|%A|%w|%W|%d|%H|%M|%S|%s|%N|%Z|%z'; date -u '+%Y-%m-%dT%H:%M:%S'; y=$(date +%Y); date -d \"$y-01-01 12:00\" '+%Z|%z' 2>/dev/null; date -d \"$y-07-01 12:00\" '+%Z|%z' 2>/dev/null",
    's resolv; cat /etc/resolv.conf 2>/dev/null',
    's selinux; if [ -e /sys/fs/selinux/enforce ]; then echo "enforce=$(cat /sys/fs/selinux/enforce 2>/dev/null)"; echo "policyvers=$(cat /sys/fs/selinux/policyvers 2>/dev/null)"; grep -E "^[[:space:]]*SELINUX(TYPE)?=" /etc/selinux/config 2>/dev/null; fi',
    's apparmor; [ -e /sys/kernel/security/apparmor ] && echo enabled',
    's fips; cat /proc/sys/crypto/fips_enabled 2>/dev/null',
    "s caps; has capsh && capsh --print 2>/dev/null | grep '^Current:'",
    's chroot; [ -n "${debian_chroot:-}" ] && echo env; stat -c "%d %i" / 2>/dev/null; stat -c "%d %i" /proc/1/root/. 2>/dev/null || echo "fs $(stat -f -c %T / 2>/dev/null)"',
    's loadavg; cat /proc/loadavg 2>/dev/null',
    's cmdline; cat /proc/cmdline 2>/dev/null',
    `s dmi; d=/sys/devices/virtual/dmi/id; if [ -e $d/product_name ]; then echo @sysfs; for k in ${DMI_KEYS.join(' ')} product_family; do rd $d/$k $k; done; fi`,
    's nvme; cat /etc/nvme/hostnqn 2>/dev/null',
    's iscsi; cat /etc/iscsi/initiatorname.iscsi 2>/dev/null',
    's fc; cat /sys/class/fc_host/*/port_name 2>/dev/null',
    's lvm; if [ "$(id -u)" = 0 ] && has vgs; then echo @vgs; vgs --noheadings --nosuffix --units g --separator , 2>/dev/null; echo @lvs; lvs --noheadings --nosuffix --units g --separator , 2>/dev/null; echo @pvs; pvs --noheadings --nosuffix --units g --separator , 2>/dev/null; fi',
    's uptime; cat /proc/uptime 2>/dev/null',
    's meminfo; grep -E "^(MemTotal|MemFree|Buffers|Cached|SwapTotal|SwapFree|SwapCached):" /proc/meminfo 2>/dev/null',
    's cpuinfo; grep -E "^(model name|Processor|vendor_id|cpu|Vendor|processor|physical id|core id|cpu cores|siblings|# processors|ncpus active|machine)[[:space:]]*:" /proc/cpuinfo 2>/dev/null',
    's xen; if [ -e /proc/xen ] || grep -qx xen /sys/hypervisor/type 2>/dev/null; then echo xen; grep -m1 "^flags" /proc/cpuinfo 2>/dev/null | grep -qw vme || echo paravirt; fi',
    's nproc; nproc 2>/dev/null',
    // virtual: what LinuxVirtual reads, filtered to the lines its rules look at.
    's virt; grep -E "/docker(/|-[0-9a-f]+\\.scope)|/lxc/|/machine\\.slice/machine-lxc|/system\\.slice/containerd\\.service" /proc/1/cgroup 2>/dev/null | sed "s/^/cgroup /"; tr "\\000" "\\n" < /proc/1/environ 2>/dev/null | grep "^container=" | sed "s/^/environ /"; for p in /proc/vz /proc/lve /proc/bc /.dockerenv /.dockerinit /proc/xen /dev/kvm /rhev; do [ -e "$p" ] && echo "exists $p"; done; [ -s /run/systemd/container ] && echo "systemd-container $(cat /run/systemd/container)"; grep -q control_d /proc/xen/capabilities 2>/dev/null && echo xen-host; grep -E "^VxID:" /proc/self/status 2>/dev/null; [ -r /proc/modules ] && awk \'$1=="kvm"||$1=="vboxdrv"||$1=="virtio" {print "module", $1}\' /proc/modules',
    // network: the kernel's route to a public address (no packet is sent), then each interface's sysfs
    // attributes and addresses, in directory order as Python's glob lists them.
    's route4; ip -4 route get 8.8.8.8 2>/dev/null | head -n 1',
    's route6; ip -6 route get 2404:6800:400a:800::1012 2>/dev/null | head -n 1',
    `for d in $(ls -U ${net} 2>/dev/null); do [ -d ${net}/"$d" ] || continue; s "iface $d"; for k in address mtu operstate type speed flags; do rd ${net}/"$d"/$k $k; done; [ -e ${net}/"$d"/device/driver/module ] && echo "module=$(basename "$(readlink -f ${net}/"$d"/device/driver/module)")"; [ -e ${net}/"$d"/device ] && echo "pciid=$(basename "$(readlink ${net}/"$d"/device)")"; if [ -e ${net}/"$d"/bridge ]; then echo "bridge=1"; echo "brif=$(ls ${net}/"$d"/brif 2>/dev/null | tr "\\n" " ")"; rd ${net}/"$d"/bridge/bridge_id bridge_id; rd ${net}/"$d"/bridge/stp_state stp; fi; done`,
    // every interface's addresses in two calls (Ansible asks per interface: the same lines, found here by device header)
    's ip-primary; ip addr show primary 2>/dev/null || ip addr show 2>/dev/null',
    's ip-secondary; ip addr show secondary 2>/dev/null',
    // hardware: mounts with their statvfs numbers, bind mounts (findmnt) and UUIDs (lsblk).
    's mtab; cat /etc/mtab 2>/dev/null || cat /proc/mounts 2>/dev/null',
    's findmnt; findmnt --list --noheadings --notruncate 2>/dev/null',
    's lsblk; lsblk --list --noheadings --paths --output NAME,UUID --exclude 2 2>/dev/null',
    // stat -f, one call for every mount: fundamental block size, block size, blocks, available blocks, inodes, free inodes, path.
    's statvfs; mt=/etc/mtab; [ -r $mt ] || mt=/proc/mounts; set --; while read -r dev mnt fs rest; do case "$dev" in /*|\\\\*|*:/*) ;; *) continue ;; esac; [ "$fs" = none ] && continue; case "$mnt" in *\\\\*) mnt=$(printf "%b" "$mnt") ;; esac; set -- "$@" "$mnt"; done < $mt; [ $# -gt 0 ] && stat -f -c "%S %s %b %a %c %d %n" -- "$@" 2>/dev/null',
    // ssh host keys, as SshPubKeyFactCollector finds them (first directory that has the key).
    's ssh-keys; for a in dsa rsa ecdsa ed25519; do for d in /etc/ssh /etc/openssh /etc; do if [ -f "$d/ssh_host_${a}_key.pub" ]; then echo "$a $(head -n 1 "$d/ssh_host_${a}_key.pub")"; break; fi; done; done',
    // python: only when one exists (the interpreter Ansible would discover first).
    's python; for p in /usr/bin/python3 /usr/libexec/platform-python "$(command -v python3 2>/dev/null)" "$(command -v python 2>/dev/null)"; do if [ -n "$p" ] && [ -x "$p" ]; then echo "$p"; "$p" -V 2>&1; break; fi; done',
    // local facts: each *.fact under fact_path, run when executable, read otherwise.
    `fp=${factPath}; if [ -d "$fp" ]; then for fn in "$fp"/*.fact; do [ -e "$fn" ] || continue; b=$(basename "$fn" .fact); if [ -x "$fn" ]; then s "local-exec $b"; out=$("$fn" 2>/dev/null); rc=$?; printf '%s\\n' "$out"; s "local-rc $b"; echo "$rc"; else s "local-file $b"; cat "$fn" 2>/dev/null; fi; done; fi`,
    's end',
    'exit 0',
  ].join('\n');
}
