#!/usr/bin/env python3
"""test_cli.py: runs the `rusm` binary's run and demo commands with
arguments and checks exit codes, output and the files a guest makes; and
the parts of `rusm wast` a cmake script cannot drive (signals).

usage: test_cli.py RUSM WASM_DIR DEMO_DIR WORK_DIR [run|demo|net|wast]
WASM_DIR holds the guests built from tests/cli/wat; DEMO_DIR the demo's
worker.wasm and ticker.wasm; WORK_DIR is scratch space (emptied first).
"""
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time

RUSM, WASM, DEMO, WORK = sys.argv[1:5]
# Under RUSM_SANITIZE builds `rusm wast` installs no crash handler.
SANITIZED = os.environ.get("RUSM_SANITIZED", "0") == "1"
GROUP = sys.argv[5] if len(sys.argv) > 5 else "run"
passed = failed = 0


def w(name):
    return os.path.join(WASM, name + ".wasm")


def check(what, args, rc, out=None, err=None, timeout=60):
    """Runs rusm ARGS; rc is the wanted exit code, out/err substrings."""
    global passed, failed
    p = subprocess.run([RUSM] + args, capture_output=True, text=True, timeout=timeout)
    bad = []
    if p.returncode != rc:
        bad.append("exit %d, wanted %d" % (p.returncode, rc))
    if out is not None and out not in p.stdout:
        bad.append("stdout lacks %r" % out)
    if err is not None and err not in p.stderr:
        bad.append("stderr lacks %r" % err)
    if bad:
        failed += 1
        print("FAIL %s: %s\n  args: %s\n  stdout: %r\n  stderr: %r"
              % (what, "; ".join(bad), args, p.stdout[-2000:], p.stderr[-2000:]))
    else:
        passed += 1
        print("ok   %s" % what)
    return p


def expect(what, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   %s" % what)
    else:
        failed += 1
        print("FAIL %s %s" % (what, detail))


def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def run_group():
    usage = "usage: rusm run [OPTIONS] FILE.wasm"
    # The top-level dispatcher.
    check("no command", [], 2, err="usage: rusm <command>")
    p = check("help lists run and demo", ["help"], 0, out="usage: rusm <command>")
    expect("help names run", "  run " in p.stdout and "  demo " in p.stdout, p.stdout)
    check("unknown command", ["frob"], 2, err="rusm: unknown command 'frob'")

    # Usage errors exit 2 and say what was wrong.
    check("run --help", ["run", "--help"], 0, out=usage)
    check("run -h", ["run", "-h"], 0, out="--max-memory SIZE")
    check("no module", ["run"], 2, err="rusm run: no module given")
    check("option without value", ["run", "--env"], 2, err="rusm run: --env needs a value")
    check("env without =", ["run", "--env", "KEY", w("hello")], 2,
          err="--env wants KEY=VALUE, got 'KEY'")
    check("env with empty key", ["run", "--env", "=v", w("hello")], 2,
          err="--env wants KEY=VALUE, got '=v'")
    check("unknown profile", ["run", "--profile", "root", w("hello")], 2,
          err="unknown profile 'root' (sandboxed, network-client, trusted)")
    for bad in ["abc", "1K", "65536i", "12Q", "64MX", "99999999999999999999", "17179869184G", ""]:
        check("bad --max-memory %r" % bad, ["run", "--max-memory", bad, w("hello")], 2,
              err="bad --max-memory '%s'" % bad)
    check("--dir with an empty host", ["run", "--dir", "::/data", w("hello")], 2,
          err="rusm run: invalid capability options")
    check("--dir-ro with an empty guest", ["run", "--dir-ro", "/tmp::", w("hello")], 2,
          err="rusm run: invalid capability options")
    check("unknown option", ["run", "--frob", "x", w("hello")], 2,
          err="rusm run: unknown option '--frob'")

    # A program's output, exit status and arguments.
    check("hello", ["run", w("hello")], 0, out="hello cli\n")
    check("-- ends the options", ["run", "--", w("hello")], 0, out="hello cli\n")
    for size in ["64K", "64k", "1M", "1MiB", "1Mi", "2mB", "65536B", "1G", "1g", "65536"]:
        check("--max-memory %s accepted" % size, ["run", "--max-memory", size, w("hello")], 0,
              out="hello cli")
    # counts.wasm exits argc*16 + envc.
    check("argv reaches the guest", ["run", w("counts"), "a", "b"], 3 * 16)
    check("env reaches the guest", ["run", "--env", "A=1", "--env", "B=", w("counts")], 16 + 2)
    check("repeated env key replaces", ["run", "--env", "A=1", "--env", "A=2", w("counts")], 17)
    check("profile may come after env", ["run", "--env", "A=1", "--profile", "trusted",
                                         w("counts"), "x"], 2 * 16 + 1)
    check("network-client profile", ["run", "--profile", "network-client", w("counts")], 16)
    check("--invoke runs another export", ["run", "--invoke", "alt", w("counts")], 42)
    check("--invoke of a missing export", ["run", "--invoke", "nope", w("counts")], 1,
          err="entry `nope` is not exported")
    check("--invoke of a typed export", ["run", "--invoke", "badtype", w("counts")], 1,
          err="entry `badtype` must be a function of type () -> ()")
    check("no _start", ["run", w("nostart")], 1, err="entry `_start` is not exported")

    # Traps exit 134 with the trap and function; failed starts exit 1.
    check("trap", ["run", w("trap")], 134, err="unreachable in function boom")
    check("trap in the start function", ["run", w("startfn")], 134, err="unreachable")
    check("unknown import is a failed start", ["run", w("badimport")], 1,
          err="unknown import rusm::no_such_call")
    check("missing preopen is a failed start", ["run", "--dir", "/nonexistent-rusm", w("hello")],
          1, err="preopen /nonexistent-rusm: host directory /nonexistent-rusm")

    # Memory cap: memory.grow by 4 pages succeeds (1) or is denied (-1 -> 255).
    check("grow within the default cap", ["run", w("grow")], 1)
    check("grow denied by --max-memory", ["run", "--max-memory", "128K", w("grow")], 255)
    check("grow allowed by --max-memory", ["run", "--max-memory", "320k", w("grow")], 1)

    # Directories: create.wasm makes out.txt in fd 3 (exit 100 + errno on failure).
    rw = os.path.join(WORK, "rw")
    os.makedirs(rw)
    check("--dir HOST::GUEST grants writes", ["run", "--dir", rw + "::/data", w("create")], 0)
    with open(os.path.join(rw, "out.txt")) as f:
        expect("guest wrote the file", f.read() == "made\n")
    os.remove(os.path.join(rw, "out.txt"))
    check("--dir HOST grants writes", ["run", "--dir", rw, w("create")], 0)
    expect("file made again", os.path.exists(os.path.join(rw, "out.txt")))
    ro = os.path.join(WORK, "ro")
    os.makedirs(ro)
    check("--dir-ro refuses writes (ENOTCAPABLE)", ["run", "--dir-ro", ro, w("create")], 100 + 76)
    expect("read-only dir untouched", os.listdir(ro) == [])
    check("no --dir, no fd 3 (EBADF)", ["run", w("create")], 100 + 8)

    # Files that are not modules.
    check("missing file", ["run", os.path.join(WORK, "none.wasm")], 1,
          err="cannot read %s: No such file or directory" % os.path.join(WORK, "none.wasm"))
    check("a directory is not readable", ["run", WORK], 1,
          err="cannot read %s: Is a directory" % WORK)
    junk = os.path.join(WORK, "junk.wasm")
    with open(junk, "wb") as f:
        f.write(b"not wasm at all")
    check("not a module", ["run", junk], 1,
          err="invalid module: at offset 0: magic header not detected")
    badsec = os.path.join(WORK, "badsec.wasm")
    with open(badsec, "wb") as f:  # a type section whose entry is not a func type
        f.write(b"\0asm\1\0\0\0" + b"\x01\x02\x01\x40")
    check("invalid section names it", ["run", badsec], 1, err="invalid module: section type, at offset")
    # A module larger than the reader's first 64 KiB buffer: hello plus a
    # 200 KiB custom section.
    with open(w("hello"), "rb") as f:
        hello = f.read()
    payload = b"\x01x" + bytes(200 * 1024)
    big = os.path.join(WORK, "big.wasm")
    with open(big, "wb") as f:
        f.write(hello + b"\x00" + leb(len(payload)) + payload)
    check("module over 64 KiB is read whole", ["run", big], 0, out="hello cli")


def demo_group():
    check("demo --help", ["demo", "--help"], 0, out="usage: rusm demo [DIR]")
    check("demo -h", ["demo", "-h"], 0, out="DIR/worker.wasm and DIR/ticker.wasm")
    check("demo with a missing dir", ["demo", os.path.join(WORK, "none")], 1,
          err="rusm demo: cannot read %s/worker.wasm" % os.path.join(WORK, "none"))
    d = os.path.join(WORK, "demo-bad")
    os.makedirs(d)
    with open(os.path.join(d, "worker.wasm"), "wb") as f:
        f.write(b"\0asm\2\0\0\0")
    check("demo with an invalid worker", ["demo", d], 1,
          err="rusm demo: worker: invalid module")
    shutil.copy(os.path.join(DEMO, "worker.wasm"), os.path.join(d, "worker.wasm"))
    check("demo with a missing ticker", ["demo", d], 1,
          err="rusm demo: cannot read %s/ticker.wasm" % d)
    shutil.copy(w("nostart"), os.path.join(d, "ticker.wasm"))
    check("demo with a ticker lacking _start", ["demo", d], 1,
          err="rusm demo: ticker: entry `_start` is not exported")
    # The whole application, from files: one crash, one restart, exit 0.
    p = check("demo runs from DIR", ["demo", DEMO], 0,
              out="worker started 2 times (1 restart by its supervisor)", timeout=60)
    expect("console printed the jobs", p.stdout.count(" console ") >= 8, p.stdout)
    # And from the embedded guests.
    check("demo runs embedded guests", ["demo"], 0, out="rusm demo: done:", timeout=60)


def net_group():
    """--tcplisten: a preopened listening socket, served by a guest."""
    import socket
    import time
    check("--tcplisten refused without the network grant",
          ["run", "--tcplisten", "127.0.0.1:0", w("echo_once")], 2,
          err="--tcplisten needs the network grant")
    check("--tcplisten with a bad address", ["run", "--profile", "network-client",
          "--tcplisten", "nowhere", w("echo_once")], 2, err="--tcplisten nowhere")
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    p = subprocess.Popen([RUSM, "run", "--profile", "network-client", "--tcplisten",
                          "127.0.0.1:%d" % port, w("echo_once")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reply = b""
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                c.sendall(b"ping")
                reply = c.recv(64)
            break
        except OSError:
            time.sleep(0.05)
    out, err = p.communicate(timeout=30)
    expect("the guest echoed over its preopened socket", reply == b"ping", repr(reply))
    expect("the guest exited 0 after serving", p.returncode == 0, "rc %d %r" % (p.returncode, err))
    expect("the guest reported the bytes", "echoed 4 bytes" in out, repr(out))

    # A port someone else listens on cannot be bound (SO_REUSEADDR does not
    # share a listening port), also after a socket that could.
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    bport = busy.getsockname()[1]
    check("--tcplisten on a port in use", ["run", "--profile", "network-client",
          "--tcplisten", "127.0.0.1:0", "--tcplisten", "127.0.0.1:%d" % bport, w("echo_once")],
          2, err="--tcplisten 127.0.0.1:%d: Address already in use" % bport)
    busy.close()
    many = []
    for _ in range(17):
        many += ["--tcplisten", "localhost:0"]
    check("at most 16 --tcplisten sockets", ["run", "--profile", "network-client"] + many
          + [w("echo_once")], 2, err="rusm run: at most 16 --tcplisten sockets")


def wast_script(name, commands):
    """Writes WORK/name (a wast2json command list) next to spin.wasm."""
    shutil.copy(w("spin"), os.path.join(WORK, "spin.wasm"))
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        json.dump({"source_filename": name, "commands": commands}, f)
    return path


def invoke(line, field, args, expected=None):
    act = {"type": "invoke", "field": field,
           "args": [{"type": "i32", "value": str(a)} for a in args]}
    if expected is None:
        return {"type": "action", "line": line, "action": act}
    return {"type": "assert_return", "line": line, "action": act,
            "expected": [{"type": "i32", "value": str(expected)}]}


def crash(what, path, after, sig, want_out):
    """Starts `rusm wast path`, waits for the output line starting with
    `after` (the runner has flushed it and begun the next command, which
    spins forever), sends sig and checks the report and exit status 3."""
    p = subprocess.Popen([RUSM, "wast", path], cwd=WORK, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    seen = b""
    deadline = time.time() + 60
    while after.encode() not in seen and time.time() < deadline:
        ready, _, _ = select.select([p.stdout], [], [], 1.0)
        if ready:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
    reached = after.encode() in seen
    if reached:
        p.send_signal(sig)
    else:
        p.kill()
    rest, err = p.communicate(timeout=30)
    out = (seen + rest).decode()
    expect("%s: the runner reached the spinning command" % what, reached, repr(out))
    if SANITIZED:
        # The sanitizer's own report is preferred there: no handler is set.
        expect("%s: no handler under a sanitizer" % what,
               p.returncode != 0 and "crashed (signal" not in out, "rc %d %r" % (p.returncode, out))
        return
    expect("%s: exit status 3" % what, p.returncode == 3, "rc %d %r" % (p.returncode, err))
    expect("%s: the report ends the output" % what, out.endswith(want_out), repr(out))


def wast_group():
    """`rusm wast` runs a long call over several budget slices; and reports a
    fatal signal with the command's line and the counts so far (the rest of
    the script failed), exiting 3."""
    # 101 million back-edges: more than one budget slice (100 million) of the
    # runner, so the call is continued and still gives its result.
    path = wast_script("slices.json", [
        {"type": "module", "line": 1, "filename": "spin.wasm"},
        invoke(2, "spin", [101000000], 0),
    ])
    check("a call longer than one budget slice", ["wast", path], 0,
          out="2 passed, 0 failed, 0 skipped\n")
    path = wast_script("crash.json", [
        {"type": "module", "line": 1, "filename": "spin.wasm"},
        invoke(2, "spin", [1], 5),
        invoke(4, "forever", []),
        {"type": "module", "line": 5, "filename": "spin.wasm"},
    ])
    crash("SIGSEGV", path, "crash.json:2: assert_return: result 0: expected i32:5",
          signal.SIGSEGV, "\ncrashed (signal 11) at line 4\n1 passed, 3 failed, 0 skipped\n")
    # The line is whatever the script says, a negative one included.
    path = wast_script("crash2.json", [
        {"type": "module", "line": 1, "filename": "spin.wasm"},
        {"type": "frob", "line": 2},
        invoke(-12, "forever", []),
    ])
    crash("SIGABRT", path, "crash2.json:2: frob: unknown command type", signal.SIGABRT,
          "\ncrashed (signal 6) at line -12\n1 passed, 2 failed, 0 skipped\n")


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
{"run": run_group, "demo": demo_group, "net": net_group, "wast": wast_group}[GROUP]()
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
