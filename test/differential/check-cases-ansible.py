#!/usr/bin/python3
"""Check the differential cases against the locally installed ansible-core (2.14).

Usage: python3 test/differential/check-cases-ansible.py [--kind templates|values|playbooks]...
                                                       [--only NAME_SUBSTRING] [--snapshot]

For every case it runs real ansible-playbook (-c local -i localhost,) and reports
  - cases that fail in ansible but carry no `fails` marker  (BAD: fix the case)
  - cases that carry a `fails` marker but render in ansible (BAD: fix the case)
With --snapshot, ansible's outputs are written to test/differential/reference/ansible-local/
(<kind>/<name>), a convenience for engine developers; CI reruns ansible live.

How the cases are run (mirrors test/differential/README.md):
  templates: one play per case; play vars = cases/templates/_vars.yml merged with the case's
             vars.yml (the case wins); one `template:` task, src = the case's template.j2
             (absolute path: its folder is on the template search path, so include/import of
             sibling files works), extra options from task.yml, dest = <tmp>/templates/<name>.
  values:    one play per case; `set_fact: {v: <value>}` with the case's vars as play vars,
             then `copy: content: "{{ v | type_debug }}\n{{ v | to_json }}\n{{ v }}"`.
             The value is re-emitted from the PyYAML (YAML 1.1) load of case.yml, which is what
             ansible's own loader sees, so unquoted 0644 / yes / 1:30 keep their YAML 1.1 types.
  playbooks: each playbook.yml runs on its own with -e diff_root=<tmp>/playbooks/<name>
             (the directory is created first); the per-task statuses are recorded.
             `fails: true` in case.yml means the play is expected to end with a failed host.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

# The cases are loaded with ansible's own YAML loader (YAML 1.1, !unsafe, !vault...) and
# re-emitted with its dumper, so the generated playbook holds exactly what ansible would
# have read from the case files.  Run with the python that has ansible (/usr/bin/python3).
from ansible.parsing.yaml.loader import AnsibleLoader
from ansible.parsing.yaml.dumper import AnsibleDumper
from ansible.utils.unsafe_proxy import AnsibleUnsafeText, AnsibleUnsafeBytes

AnsibleDumper.add_representer(AnsibleUnsafeText, lambda d, s: d.represent_scalar("!unsafe", s._strip_unsafe()))

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
REF = os.path.join(HERE, "reference", "ansible-local")

VALUE_CONTENT = "{{ v | type_debug }}\n{{ v | to_json }}\n{{ v }}"


def load_yaml(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path) as f:
        data = AnsibleLoader(f.read(), file_name=path).get_single_data()
    return default if data is None else data


def case_names(kind, only):
    d = os.path.join(CASES, kind)
    if not os.path.isdir(d):
        return []
    names = sorted(n for n in os.listdir(d) if os.path.isdir(os.path.join(d, n)) and not n.startswith("_"))
    if only:
        names = [n for n in names if any(o in n for o in only)]
    return names


def run_playbook(playbook_path, extra_env=None, extra_args=()):
    env = dict(os.environ)
    env.update({
        "ANSIBLE_STDOUT_CALLBACK": "json",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_PYTHON_INTERPRETER": "/usr/bin/python3",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
    })
    if extra_env:
        env.update(extra_env)
    p = subprocess.run(
        ["ansible-playbook", "-c", "local", "-i", "localhost,", playbook_path, *extra_args],
        env=env, capture_output=True, text=True, cwd=os.path.dirname(playbook_path))
    out = p.stdout
    start = out.find("{")
    try:
        data = json.loads(out[start:]) if start >= 0 else None
    except json.JSONDecodeError:
        data = None
    if data is None:
        sys.stderr.write(out[-3000:] + "\n" + p.stderr[-3000:] + "\n")
    return p.returncode, data, p.stderr


def task_results(data):
    """[(play_name, task_name, result_for_localhost)] in order."""
    res = []
    for play in (data or {}).get("plays", []):
        pname = play["play"]["name"]
        for t in play.get("tasks", []):
            h = t.get("hosts", {}).get("localhost", {})
            res.append((pname, t["task"]["name"], h))
    return res


def status_of(h):
    if h.get("failed") or h.get("unreachable"):
        return "failed"
    if h.get("skipped"):
        return "skipped"
    if h.get("changed"):
        return "changed"
    return "ok"


def short_msg(h):
    m = h.get("msg") or h.get("exception") or ""
    return str(m).strip().splitlines()[0][:300] if m else ""


def check_templates(names, tmp, snapshot):
    shared = load_yaml(os.path.join(CASES, "templates", "_vars.yml"), {})
    plays = []
    for n in names:
        cdir = os.path.join(CASES, "templates", n)
        pvars = dict(shared)
        pvars.update(load_yaml(os.path.join(cdir, "vars.yml"), {}))
        args = {"src": os.path.join(cdir, "template.j2"), "dest": os.path.join(tmp, "templates", n)}
        args.update(load_yaml(os.path.join(cdir, "task.yml"), {}))
        plays.append({"name": n, "hosts": "all", "gather_facts": False, "vars": pvars,
                      "tasks": [{"name": n, "template": args, "ignore_errors": True}]})
    os.makedirs(os.path.join(tmp, "templates"), exist_ok=True)
    pb = os.path.join(tmp, "templates.yml")
    with open(pb, "w") as f:
        yaml.dump(plays, f, Dumper=AnsibleDumper, sort_keys=False, allow_unicode=True)
    _, data, _ = run_playbook(pb)
    got = {t: h for _, t, h in task_results(data)}
    bad = []
    for n in names:
        expect_fail = os.path.exists(os.path.join(CASES, "templates", n, "fails"))
        h = got.get(n)
        if h is None:
            bad.append((n, "no result (play did not run?)"))
            continue
        failed = status_of(h) == "failed"
        if failed != expect_fail:
            bad.append((n, ("FAILS in ansible: " + short_msg(h)) if failed else "has `fails` but ansible renders it"))
        if snapshot:
            out = os.path.join(REF, "templates", n)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            if failed:
                with open(out + ".failed", "w") as f:
                    f.write(short_msg(h) + "\n")
                if os.path.exists(out):
                    os.remove(out)
            else:
                shutil.copyfile(os.path.join(tmp, "templates", n), out)
                if os.path.exists(out + ".failed"):
                    os.remove(out + ".failed")
    return bad


def check_values(names, tmp, snapshot):
    plays = []
    for n in names:
        case = load_yaml(os.path.join(CASES, "values", n, "case.yml"), {})
        plays.append({"name": n, "hosts": "all", "gather_facts": False, "vars": case.get("vars") or {},
                      "tasks": [
                          # reset v so a failing set_fact cannot leave the previous case's value behind
                          # (no register/when: a registered result holding the value would be templated again)
                          {"name": n + " (reset)", "set_fact": {"v": "__no_value__"}},
                          {"name": n, "set_fact": {"v": case.get("value")}, "ignore_errors": True},
                          {"name": n + " (write)", "copy": {"content": VALUE_CONTENT, "dest": os.path.join(tmp, "values", n)},
                           "ignore_errors": True},
                      ]})
    os.makedirs(os.path.join(tmp, "values"), exist_ok=True)
    pb = os.path.join(tmp, "values.yml")
    with open(pb, "w") as f:
        yaml.dump(plays, f, Dumper=AnsibleDumper, sort_keys=False, allow_unicode=True)
    _, data, _ = run_playbook(pb)
    res = {}
    for _, t, h in task_results(data):
        res.setdefault(t, h)
    bad = []
    for n in names:
        case = load_yaml(os.path.join(CASES, "values", n, "case.yml"), {})
        expect_fail = bool(case.get("fails"))
        h1, h2 = res.get(n), res.get(n + " (write)")
        if h1 is None:
            bad.append((n, "no result"))
            continue
        failed = status_of(h1) == "failed" or (h2 is not None and status_of(h2) == "failed")
        if failed != expect_fail:
            msg = short_msg(h1) if status_of(h1) == "failed" else short_msg(h2 or {})
            bad.append((n, ("FAILS in ansible: " + msg) if failed else "has `fails: true` but ansible succeeds"))
        if snapshot:
            out = os.path.join(REF, "values", n)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            if failed:
                with open(out + ".failed", "w") as f:
                    f.write(short_msg(h1) + "\n")
                if os.path.exists(out):
                    os.remove(out)
            else:
                shutil.copyfile(os.path.join(tmp, "values", n), out)
                if os.path.exists(out + ".failed"):
                    os.remove(out + ".failed")
    return bad


def tree_listing(root):
    lines = []
    for dp, dns, fns in os.walk(root):
        dns.sort()
        for x in sorted(dns) + sorted(fns):
            p = os.path.join(dp, x)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            kind = "d" if os.path.isdir(p) and not os.path.islink(p) else ("l" if os.path.islink(p) else "f")
            lines.append("%s %04o %s" % (kind, st.st_mode & 0o7777, rel))
    return sorted(lines)


def check_playbooks(names, tmp, snapshot):
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=int(os.environ.get("CHECK_JOBS", "6"))) as ex:
        results = list(ex.map(lambda n: check_one_playbook(n, tmp, snapshot), names))
    return [b for r in results for b in r]


def check_one_playbook(n, tmp, snapshot):
    bad = []
    if True:
        cdir = os.path.join(CASES, "playbooks", n)
        case = load_yaml(os.path.join(cdir, "case.yml"), {})
        root = os.path.join(tmp, "playbooks", n)
        os.makedirs(root, exist_ok=True)
        vault_pass = os.path.join(cdir, "vault-pass.txt")
        vault_args = ("--vault-password-file", vault_pass) if os.path.exists(vault_pass) else ()
        rc, data, err = run_playbook(os.path.join(cdir, "playbook.yml"), extra_args=("-e", "diff_root=" + root, *vault_args))
        results = task_results(data)
        statuses = ["%s: %s" % (t, status_of(h)) for _, t, h in results]
        host_failed = any(status_of(h) == "failed" and not h.get("_ansible_ignore_errors") for _, t, h in results)
        stats = (data or {}).get("stats", {}).get("localhost", {})
        ended_failed = bool(stats.get("failures")) or data is None
        expect_fail = bool(case.get("fails"))
        if ended_failed != expect_fail:
            msgs = [t + ": " + short_msg(h) for _, t, h in results if status_of(h) == "failed"]
            bad.append((n, ("FAILS in ansible: " + "; ".join(msgs)[:400] + (" " + err[-300:] if data is None else ""))
                        if ended_failed else "has `fails: true` but the play succeeds"))
        if snapshot:
            out = os.path.join(REF, "playbooks", n)
            if os.path.exists(out):
                shutil.rmtree(out)
            os.makedirs(out)
            with open(os.path.join(out, "_statuses.txt"), "w") as f:
                f.write("\n".join(statuses) + "\n")
                f.write("recap: " + json.dumps(stats, sort_keys=True) + "\n")
            with open(os.path.join(out, "_tree.txt"), "w") as f:
                f.write("\n".join(tree_listing(root)) + "\n")
            for reg in case.get("registered") or []:
                pass  # registered values hold host-dependent fields (paths, times); not snapshotted
            files = os.path.join(out, "files")
            shutil.copytree(root, files, symlinks=True)
            # symlinks: a text file <name>.symlink holding the target, the root written <diff_root>
            for dp, dns, fns in os.walk(files):
                for x in dns + fns:
                    p = os.path.join(dp, x)
                    if os.path.islink(p):
                        target = os.readlink(p).replace(root, "<diff_root>")
                        os.remove(p)
                        with open(p + ".symlink", "w") as f:
                            f.write(target + "\n")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", action="append", choices=["templates", "values", "playbooks"])
    ap.add_argument("--only", action="append")
    ap.add_argument("--snapshot", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    a = ap.parse_args()
    kinds = a.kind or ["templates", "values", "playbooks"]
    tmp = tempfile.mkdtemp(prefix="diffcheck-")
    total_bad = 0
    fn = {"templates": check_templates, "values": check_values, "playbooks": check_playbooks}
    for k in kinds:
        names = case_names(k, a.only)
        if a.snapshot and os.path.isdir(os.path.join(REF, k)):
            # drop snapshot entries of cases that no longer exist
            existing = set(case_names(k, None))
            for e in os.listdir(os.path.join(REF, k)):
                base = e[:-len(".failed")] if e.endswith(".failed") else e
                if base not in existing:
                    p = os.path.join(REF, k, e)
                    shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
        if not names:
            continue
        bad = fn[k](names, tmp, a.snapshot)
        print("%s: %d cases, %d bad" % (k, len(names), len(bad)))
        for n, why in bad:
            print("  BAD %s/%s: %s" % (k, n, why))
        total_bad += len(bad)
    if a.keep:
        print("temp dir:", tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if total_bad else 0)


if __name__ == "__main__":
    main()
