# Stdout callback for the differential harness (test/differential/run.ts).
# ansible-core 2.14 ships no `json` callback (that one lives in the ansible.posix collection), so
# the harness brings this one. It appends JSON lines to the file named by $TSPLAY_DIFF_OUT: one
# per host result as it arrives ({"result": ...}: play, task, register, host, status, result), so
# a run killed half-way still tells what it did, and at the end {"end": {recap, registered}}.
# test/differential/harness/tools.ts reads them. Nothing is printed on stdout except errors.
from __future__ import annotations

import json
import os

from ansible.parsing.ajson import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase
from ansible.vars.clean import strip_internal_keys

DOCUMENTATION = '''
    name: tsplay_diff
    type: stdout
    short_description: per-task statuses and results as JSON for tsplay's differential harness
    description: writes JSON to the file named by TSPLAY_DIFF_OUT
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'tsplay_diff'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plays = []
        self.tasks = {}
        self.registers = set()
        self.variable_manager = None

    def v2_playbook_on_play_start(self, play):
        self.plays.append({'name': play.get_name(), 'tasks': []})
        self.variable_manager = getattr(play, '_variable_manager', None) or self.variable_manager

    def _task(self, task):
        key = task._uuid
        t = self.tasks.get(key)
        if t is None:
            if not self.plays:
                self.plays.append({'name': '', 'tasks': []})
            t = {'name': task.get_name(), 'action': task.action, 'register': task.register or None, 'results': []}
            self.tasks[key] = t
            if task.register:
                self.registers.add(task.register)
            self.plays[-1]['tasks'].append(t)
        return t

    def _emit(self, obj):
        line = json.dumps(obj, cls=AnsibleJSONEncoder, sort_keys=True)
        path = os.environ.get('TSPLAY_DIFF_OUT')
        if path:
            with open(path, 'a') as f:
                f.write(line + '\n')
        else:
            self._display.display(line)

    def _record(self, result, status, ignored=False):
        res = strip_internal_keys(dict(result._result))
        res.pop('invocation', None)
        t = self._task(result._task)
        entry = {'play': self.plays[-1]['name'], 'task': t['name'], 'register': t['register'], 'host': result._host.get_name(), 'status': status, 'result': res}
        if ignored:
            entry['ignored'] = True
        self._emit({'result': entry})

    def v2_runner_on_ok(self, result):
        self._record(result, 'changed' if result._result.get('changed', False) else 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed', ignored=ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._record(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        recap = {h: stats.summarize(h) for h in sorted(stats.processed.keys())}
        # What `register:` stored, read back from the variable manager: the callbacks only see a
        # cleaned copy of each result (without `failed`/`skipped`), the registered value keeps them.
        registered = {}
        cache = getattr(self.variable_manager, '_nonpersistent_fact_cache', None) or {}
        for host, facts in cache.items():
            regs = {k: v for k, v in facts.items() if k in self.registers}
            if regs:
                registered[host] = regs
        self._emit({'end': {'recap': recap, 'registered': registered}})
