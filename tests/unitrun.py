#!/usr/bin/env python3
"""unitrun.py UNIT [ARG...]: run a systemd unit's ExecStart= the way systemd
would, where systemd is not PID 1 (a CI container): as its User= and
Group= (with the user's groups and the unit's SupplementaryGroups=), with
its Environment= and EnvironmentFile= (a later line wins, as in systemd),
its StateDirectory= made under /var/lib with StateDirectoryMode=, its
UMask=, and the command line's ${VAR} and $VAR expanded as systemd does
(${VAR} one word, $VAR split on white space). ARGs are appended to the
command line. Extra NAME=value settings for a test go in $UNITRUN_ENV
(space separated), after the unit's own.

Used by tests/e2e_deb.sh on the installed packages. Needs root."""
import grp
import os
import pwd
import re
import shlex
import sys


def parse(path):
    keys = []
    with open(path, encoding="utf-8") as f:
        section = None
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            if section == "Service" and "=" in line:
                k, v = line.split("=", 1)
                keys.append((k.strip(), v.strip()))
    return keys


def env_file(path, env):
    optional = path.startswith("-")
    path = path.lstrip("-")
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line[0] in "#;" or "=" not in line:
                    continue
                k, v = line.split("=", 1)
                v = v.strip()
                if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                    v = v[1:-1]
                env[k.strip()] = v
    except FileNotFoundError:
        if not optional:
            sys.exit("unitrun: %s: not found" % path)


def expand(cmd, env):
    out = []
    for word in shlex.split(cmd):
        m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if m:
            out.extend(env.get(m.group(1), "").split())
            continue
        out.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                          lambda mm: env.get(mm.group(1), ""), word))
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    keys = parse(sys.argv[1])
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "LANG": "C.UTF-8"}
    user = group = None
    groups = []
    cmd = None
    states = []
    mode = 0o755
    umask = 0o022
    for k, v in keys:
        if k == "User":
            user = v
        elif k == "Group":
            group = v
        elif k == "SupplementaryGroups":
            groups.extend(v.split())
        elif k == "Environment":
            for item in shlex.split(v):
                name, _, val = item.partition("=")
                env[name] = val
        elif k == "EnvironmentFile":
            env_file(v, env)
        elif k == "StateDirectory":
            states.extend(v.split())
        elif k == "StateDirectoryMode":
            mode = int(v, 8)
        elif k == "UMask":
            umask = int(v, 8)
        elif k == "ExecStart":
            cmd = v
    for item in os.environ.get("UNITRUN_ENV", "").split():
        name, _, val = item.partition("=")
        env[name] = val
    pw = pwd.getpwnam(user) if user else pwd.getpwuid(0)
    gid = grp.getgrnam(group).gr_gid if group else pw.pw_gid
    for s in states:
        d = "/var/lib/" + s
        os.makedirs(d, exist_ok=True)
        os.chown(d, pw.pw_uid, gid)
        os.chmod(d, mode)
        env["STATE_DIRECTORY"] = d
    env.setdefault("HOME", pw.pw_dir)
    env["USER"] = pw.pw_name
    argv = expand(cmd.lstrip("-@+!"), env) + sys.argv[2:]
    extra = []
    for g in groups:
        try:
            extra.append(grp.getgrnam(g).gr_gid)
        except KeyError:
            pass
    os.initgroups(pw.pw_name, gid)
    if extra:
        os.setgroups(sorted(set(os.getgroups() + extra)))
    os.setgid(gid)
    os.setuid(pw.pw_uid)
    os.umask(umask)
    os.execve(argv[0], argv, env)


main()
