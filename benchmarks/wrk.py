"""wrk as the load generator: a C client that leaves the cores to the
server, where the Python client spends about as much CPU per request as
the floor's server does.

Every scenario runs with one connection per wrk thread (``-t N -c N``),
so that each thread's request() and response() strictly alternate and
a writer always knows the generation its last write returned. The
scenario's own Python worker prepares each connection (it reads the
generations, as with the Python client), and its state becomes a Lua
table: the requests of a reader; for a writer, each unit it writes (a
provider, or a group of providers and consumers) with its request
templates, in which every generation is a slot. A writer's unit takes
the generation its response shows (a provider's), or every generation
one more after a 204 (a group's); a failed write makes a provider be
read again (a GET of its inventories, counted) and a group be left out.
Against a server that closes the connection after every response
(uwsgi's --http-socket), requests are HTTP/1.0 with ``Connection:
close``: uwsgi answers a 1.1 request in 1.1 without saying it will
close, so wrk would count every close as a read error; a 1.0 answer
tells wrk to reconnect, cleanly. An answer whose status is not the
scenario's is unexpected, as is every connect, read, write or timeout
error wrk counts.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

from benchmarks import client
from benchmarks import scenarios

# A generation no real request carries, to find its place in a template.
_SENTINEL = 987654321000
_CLOSE = b'Connection: close'
# Writers vary their bodies with the turn: by 2 or by 3 (a period of 6).
_PHASES = 6
# Items of a Lua list built by one function (see _lua).
_CHUNK = 200

_SCRIPT = r'''
local function joined(parts)
  local all = {}
  for _, part in ipairs(parts) do
    for _, item in ipairs(part) do all[#all + 1] = item end
  end
  return all
end
local units, reqs, expected, parse = UNITS, REQS, EXPECTED, PARSE
local counter, threads = 0, {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
local mine, turn, unit, rereading
unexpected = 0
function init(args)
  turn = id * 7919
  if units then
    mine = units[id + 1]
    for _, u in ipairs(mine) do
      u.alive = true
      u.spread = u.spread0
    end
  end
end
local function render(u)
  local t = u.templates[(u.spread and 2 or 1)][turn % 6 + 1]
  local body = {}
  for i, part in ipairs(t.parts) do
    if type(part) == "number" then
      local g = u.gens[part]
      body[i] = g == nil and "null" or string.format("%d", g)
    else
      body[i] = part
    end
  end
  body = table.concat(body)
  return t.head .. "Content-Length: " .. #body .. "\r\n\r\n" .. body
end
function request()
  turn = turn + 1
  if not units then
    return reqs[turn % #reqs + 1]
  end
  for _ = 1, #mine do
    unit = mine[turn % #mine + 1]
    if unit.alive then
      if unit.stale then
        rereading = true
        return unit.read
      end
      rereading = false
      return render(unit)
    end
    turn = turn + 1
  end
  unit = nil
  return reqs[1]
end
function response(status, headers, body)
  if not units then
    if status ~= expected then unexpected = unexpected + 1 end
    return
  end
  if unit == nil then
    unexpected = unexpected + 1
    return
  end
  if rereading then
    local g = status == 200 and body:match(parse)
    if g then
      unit.gens[1] = tonumber(g)
      unit.stale = false
    else
      unit.alive = false
    end
    unexpected = unexpected + 1
    return
  end
  if status ~= expected then
    unexpected = unexpected + 1
    if unit.read then unit.stale = true else unit.alive = false end
    return
  end
  local g = unit.read and body:match(parse)
  if g then
    unit.gens[1] = tonumber(g)
  else
    for i = 1, unit.slots do unit.gens[i] = (unit.gens[i] or 0) + 1 end
  end
  unit.spread = not unit.spread
end
function done(summary, latency, requests)
  local unexp = 0
  for _, thread in ipairs(threads) do
    unexp = unexp + thread:get("unexpected")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, ' ..
    '"p99_us": %d, "unexpected": %d, "errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), unexp,
    e.connect + e.read + e.write + e.timeout))
end
'''


_LUA_CHARS = [chr(n) if 32 <= n < 127 and chr(n) not in '"\\'
              else f'\\{n:03d}' for n in range(256)]


def available() -> bool:
    return shutil.which('wrk') is not None


def _lua(value) -> str:
    """``value`` (str, bytes, int, bool, None, list, dict) as Lua."""
    if value is None:
        return 'nil'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        value = value.decode('latin-1')
    if isinstance(value, str):
        # A quoted string with every other byte escaped: a long bracket
        # would turn CR LF into LF.
        return '"' + ''.join(_LUA_CHARS[ord(c)] for c in value) + '"'
    if isinstance(value, list):
        if len(value) <= _CHUNK:
            return '{' + ','.join(_lua(item) for item in value) + '}'
        # NOTE: LuaJIT allows 65536 constants per function: a long list
        # is built by one function per chunk (``joined`` in the script).
        return 'joined({' + ','.join(
            f'(function() return {_lua(value[start:start + _CHUNK])} end)()'
            for start in range(0, len(value), _CHUNK)) + '})'
    return '{' + ','.join(f'{key}={_lua(item)}'
                          for key, item in value.items()) + '}'


def _framed(request: bytes, keepalive: bool) -> tuple[bytes, bytes]:
    """(head lines without Content-Length, body) of ``request``, as
    HTTP/1.0 with Connection: close unless the server keeps connections
    alive."""
    head, _sep, body = request.partition(b'\r\n\r\n')
    lines = [line for line in head.split(b'\r\n')
             if not line.lower().startswith(b'content-length:')]
    if not keepalive:
        lines[0] = lines[0].replace(b' HTTP/1.1', b' HTTP/1.0')
        lines.append(_CLOSE)
    return b''.join(line + b'\r\n' for line in lines if line), body


def _whole(request: bytes, keepalive: bool) -> bytes:
    head, body = _framed(request, keepalive)
    if body:
        head += f'Content-Length: {len(body)}\r\n'.encode()
    return head + b'\r\n' + body


def _template(request: bytes, slots: dict[int, int],
              keepalive: bool) -> dict:
    """A request whose body holds the sentinel generations ``slots``
    ({sentinel: slot}) as the head before Content-Length and the body's
    parts, every generation a slot number."""
    head, body = _framed(request, keepalive)
    pattern = re.compile(rb'|'.join(str(s).encode() for s in slots))
    parts: list = []
    last = 0
    for match in pattern.finditer(body):
        parts.append(body[last:match.start()])
        parts.append(slots[int(match.group())])
        last = match.end()
    parts.append(body[last:])
    return {'head': head, 'parts': parts}


def _provider_unit(scenario, worker, uuid: str, keepalive: bool) -> dict:
    """One provider of a Writer: generation slot 1, read again by a GET
    of its inventories after a failed write."""
    templates = [_template(scenario.request(uuid, _SENTINEL, turn),
                           {_SENTINEL: 1}, keepalive)
                 for turn in range(_PHASES)]
    return {'templates': [templates, templates], 'slots': 1,
            'gens': [worker.generations[uuid]], 'spread0': False,
            'read': _whole(client.request_bytes(
                'GET', scenarios.inventories_path(uuid)), keepalive)}


def _group_unit(scenario, group, keepalive: bool) -> dict:
    """One Group of a GroupWriter: a slot per provider and consumer, the
    request templates for either place of its consumers."""
    names = list(group.generations)
    start = dict(group.generations)
    spread = group.spread
    slots = {_SENTINEL + n: n + 1 for n in range(len(names))}
    group.generations = {name: _SENTINEL + n for n, name in enumerate(names)}
    templates = []
    for place in (False, True):
        group.spread = place
        templates.append([_template(scenario.request(group, turn), slots,
                                    keepalive)
                          for turn in range(_PHASES)])
    group.generations, group.spread = start, spread
    return {'templates': templates, 'slots': len(names),
            'gens': [start[name] for name in names], 'spread0': spread}


def script(scenario, address, keepalive: bool, connections: int) -> str:
    """The Lua script driving ``scenario``: each connection's worker is
    prepared here, as the Python client would."""
    units, reqs = [], None
    for index in range(connections):
        conn = client.Connection(address, keepalive)
        worker = scenario.worker(index, conn)
        conn.close()
        if isinstance(worker, scenarios.Reader):
            reqs = [_whole(request, keepalive)
                    for request in worker.requests]
        elif isinstance(worker, scenarios.Writer):
            units.append([_provider_unit(scenario, worker, uuid, keepalive)
                          for uuid in worker.providers])
        elif isinstance(worker, scenarios.GroupWriter):
            units.append([_group_unit(scenario, group, keepalive)
                          for group in worker.groups])
        else:
            raise TypeError(f'{scenario.name}: no wrk form for '
                            f'{type(worker).__name__}')
    if units:
        # What a connection whose units all failed sends: a cheap GET.
        reqs = [_whole(client.request_bytes('GET', '/'), keepalive)]
    return (_SCRIPT.replace('UNITS, REQS, EXPECTED, PARSE', ', '.join((
        _lua(units or None), _lua(reqs), _lua(scenario.expected),
        _lua('"resource_provider_generation":%s*(%d+)')))))


def run(scenario, address, keepalive: bool, connections: int,
        duration: float, workdir: Path, before_start=None) -> dict:
    """Drive ``scenario`` with wrk; ``before_start()`` runs once every
    connection is prepared, right before the load starts."""
    path = workdir / 'scenario.lua'
    path.write_text(script(scenario, address, keepalive, connections))
    if before_start is not None:
        before_start()
    # Every server here listens on the loopback address (server.py).
    _host, port = address
    completed = subprocess.run(  # noqa: S603
        ['wrk', '-t', str(connections), '-c', str(connections),
         '-d', f'{duration:g}s', '--latency', '-s', str(path),
         f'http://127.0.0.1:{port}/'],
        capture_output=True, text=True, check=False)
    for line in completed.stdout.splitlines():
        if line.startswith('WRK-RESULT '):
            return json.loads(line[len('WRK-RESULT '):])
    raise RuntimeError(f'{scenario.name}: wrk gave no result:\n'
                       f'{completed.stdout}\n{completed.stderr}')
