# Stand-in for the YunoHost 11.1+/12.x app config panel (`app config get|set`,
# `app action list|run`, src/utils/configpanel.py + src/app.py AppConfigPanel)
# and for `dyndns update` / `domain dns push` (src/dyndns.py, src/dns.py).
# Loaded by the `yunohost` stand-in, which passes itself as `y` to init().
# What it keeps from the real thing: the options' binds, `scripts/config`
# called with show / apply / <button id>, the form values in the
# environment, YNH_APP_CONFIG_PANEL_OPTIONS_TYPES_AND_BINDS, the YAML the
# script returns through YNH_STDRETURN (getter values and attributes,
# validation_errors), action sections never saved, passwords redacted in
# `config get`, hidden buttons refused, and the messages.  See
# tests/world/README.md for what it leaves out.
import glob
import os
import re
import subprocess

import yaml

Y = None  # the yunohost stand-in module

READONLY = ("display_text", "markdown", "alert", "button")
TRUE = ("1", "yes", "y", "true", "t", "on")
FALSE = ("0", "no", "n", "false", "f", "off")
DNS_DIR = "/var/lib/standin-dns"
DYNDNS_KEYS = "/etc/yunohost/dyndns"
DYNDNS_DOMAINS = ("nohost.me", "noho.st", "ynh.fr")
SPECIAL_USE_TLDS = ("home.arpa", "internal", "local", "localhost", "onion", "test")


def init(module):
    global Y
    Y = module


# ---------------------------------------------------------------- panel

def _panel_path(app):
    return os.path.join(Y.APPS_SETTING_PATH, app, "config_panel.toml")


def load_panel(app, filter_key=None):
    """[(panel_id, [(section_id, section_attrs, [option dicts])])]."""
    import tomllib
    Y.assert_installed(app)
    if not os.path.exists(_panel_path(app)):
        raise Y.YError("No config panel found.")
    with open(_panel_path(app), "rb") as f:
        raw = tomllib.load(f)
    want = (filter_key or "").split(".") if filter_key else []
    want += [None] * (3 - len(want))
    out = []
    for pid, panel in raw.items():
        if not isinstance(panel, dict) or (want[0] and pid != want[0]):
            continue
        sections = []
        for sid, sec in panel.items():
            if not isinstance(sec, dict) or (want[1] and sid != want[1]):
                continue
            opts = []
            for oid, o in sec.items():
                # panel.section.option: that option alone, as the real
                # configpanel.py (filter_keys) gives the script
                if not isinstance(o, dict) or (want[2] and oid != want[2]):
                    continue
                o = dict(o, id=oid)
                o.setdefault("type", "string")
                bind = o.get("bind") or sec.get("bind") or panel.get("bind") or "settings"
                if o["type"] == "button" or (o["type"] == "file" and bind == "settings"):
                    bind = "null"
                o["bind"] = bind.replace("__APP__", app)
                opts.append(o)
            attrs = {k: v for k, v in sec.items() if not isinstance(v, dict)}
            attrs["is_action"] = any(o["type"] == "button" for o in opts)
            sections.append((sid, attrs, opts))
        out.append((pid, sections))
    if want[0] and not out or want[1] and not any(s for _, s in out) \
            or want[2] and not any(o for _, s in out for _, _, o in s):
        raise Y.YError("The filter key '%s' is incorrect." % filter_key)
    return out


def _options(panels, actions=None):
    for pid, sections in panels:
        for sid, attrs, opts in sections:
            if actions is not None and attrs["is_action"] != actions:
                continue
            for o in opts:
                yield pid, sid, o


def _dump_binds(panels):
    return "\n".join("%s|%s|%s" % (o["id"], o["type"], o["bind"])
                     for _, _, o in _options(panels))


def call_script(app, action, panels, env=None):
    setting_path = os.path.join(Y.APPS_SETTING_PATH, app)
    script = os.path.join(setting_path, "scripts", "config")
    if not os.path.exists(script):
        with open(script, "w") as f:
            f.write("#!/bin/bash\nsource /usr/share/yunohost/helpers\n"
                    "ynh_abort_if_errors\nynh_app_config_run $1\n")
    full = Y.app_env(app, workdir=setting_path)
    full.update(env or {})
    full["YNH_APP_CONFIG_PANEL_OPTIONS_TYPES_AND_BINDS"] = _dump_binds(panels)
    ret = {}
    rc = Y.hook_exec(script, args=[action], env=full, ret=ret)
    if rc != 0:
        if action == "show":
            raise Y.YError("Failed to read config panel values.")
        if action == "apply":
            raise Y.YError("Failed to apply config panel values.")
        raise Y.YError("Failed to run action %s for app %s" % (action, app))
    raw = ret.get("raw") or ""
    return (yaml.safe_load(raw) or {}) if raw.strip() else {}


def current_values(app, panels):
    """Run `show`; apply the getters' attributes to the options; values."""
    raw = call_script(app, "show", panels)
    values = {}
    for _, _, o in _options(panels):
        data = raw.get(o["id"], o.get("default"))
        value = data
        if isinstance(data, dict):
            data = dict(data)
            value = data.pop("value", data.pop("current_value", None))
            o.update(data)
        if o["type"] in READONLY:
            continue
        if o["id"] not in raw and o.get("default") is None and o["bind"] != "null" \
                and o["type"] != "password":
            raise Y.YError("Config panel question '%s' should be initialized with a "
                           "value during install or upgrade." % o["id"])
        values[o["id"]] = value
    return values


def _normalize(o, value):
    """The value the form keeps for an answer, or a YError."""
    t, name = o["type"], o["id"]
    if value is None or value == "":
        return None
    value = str(value)
    if t == "boolean":
        if value.lower() in TRUE:
            return 1
        if value.lower() in FALSE:
            return 0
        raise Y.YError("Pick a valid value for the argument '%s': '%s' is not a boolean"
                       % (name, value))
    if t == "select" and value not in [str(c) for c in o.get("choices", [])]:
        raise Y.YError("Pick a valid value for argument '%s': '%s' is not among the "
                       "available choices (%s)" % (name, value, ", ".join(o["choices"])))
    if t == "number" and not re.match(r"^-?\d+$", value):
        raise Y.YError("Pick a valid value for the argument '%s': not a number" % name)
    if t == "password":
        if any(c in value for c in "{}"):
            raise Y.YError("Sorry, passwords can not contain the following characters: {}")
        Y.assert_password_strong(value)
    return value


def _env(form):
    return {k: "" if v is None else str(v) for k, v in form.items()}


def _visible(o):
    return o.get("visible", True) not in (False, "false")


def _humanize(o, v):
    if o["type"] == "boolean" and v is not None:
        return "yes" if str(v) in ("1", "True") else "no"
    return v


def config_get(app, key=None, export=False):
    panels = load_panel(app, key)
    values = current_values(app, panels)
    parts = (key or "").split(".")
    if len(parts) == 3 and not export:
        for _, _, o in _options(panels):
            if o["id"] == parts[2]:
                return None if o["type"] in READONLY else _normalize(o, values.get(o["id"]))
        raise Y.YError("Couldn't find any option with id %s" % parts[2])
    out = {}
    for pid, sid, o in _options(panels, actions=False):
        if export:
            if o["type"] not in READONLY:
                out[o["id"]] = values.get(o["id"])
            continue
        entry = {"ask": o.get("ask", o["id"])}
        if o["type"] not in READONLY:
            entry["value"] = "**************" if o["type"] == "password" \
                else _humanize(o, values.get(o["id"]))
        out["%s.%s.%s" % (pid, sid, o["id"])] = entry
    return out


def _ask(options, form, answers):
    for o in options:
        if o["type"] in READONLY or not _visible(o) or o.get("readonly"):
            continue
        if o["id"] in answers:
            form[o["id"]] = _normalize(o, answers[o["id"]])
        elif form.get(o["id"]) in (None, "") and o.get("default") is not None:
            form[o["id"]] = _normalize(o, o["default"])
    return form


def config_set(app, key=None, value=None, args=None):
    if args is not None and value is not None:
        raise Y.YError("You should either provide a value, or a serie of args/args_file, "
                       "but not both at the same time")
    parts = (key or "").split(".")
    if value is not None and len(parts) < 3:
        raise Y.YError("You can't set a single value on an entire config section.")
    answers = {parts[2]: value} if value is not None else Y.parse_args_string(args)
    panels = load_panel(app, key)
    values = current_values(app, panels)
    options = [o for _, _, o in _options(panels, actions=False)]
    form = {o["id"]: values.get(o["id"]) for o in options if o["type"] not in READONLY}
    form = _ask(options, form, answers)
    Y.Log.info("Saving the new configuration...")
    ret = call_script(app, "apply", load_panel(app, key), env=_env(form))
    for name, msg in (ret.get("validation_errors") or {}).items():
        raise Y.YError("Pick a valid value for the argument '%s': %s" % (name, msg))
    Y.Log.success("Config updated as expected")


def action_list(app):
    panels = load_panel(app)
    return {"actions": {"%s.%s.%s" % (p, s, o["id"]): o.get("ask", o["id"])
                        for p, s, o in _options(panels, actions=True)
                        if o["type"] == "button"}}


def action_run(app, key, args=None):
    parts = (key or "").split(".")
    if len(parts) != 3:
        raise Y.YError("No action named %s" % key)
    section_key = ".".join(parts[:2])
    panels = load_panel(app, section_key)
    options = [o for _, _, o in _options(panels)]
    button = [o for o in options if o["id"] == parts[2] and o["type"] == "button"]
    if not button:
        raise Y.YError("No action named %s" % parts[2])
    values = current_values(app, panels)
    if not _visible(button[0]) or button[0].get("enabled", True) in (False, "false"):
        raise Y.YError("Could not run action '%s' since it is disabled, make sure to meet "
                       "its constraints. help: %s" % (parts[2], button[0].get("help")))
    form = {o["id"]: (None if o["type"] == "password" else values.get(o["id"]))
            for o in options if o["type"] not in READONLY}
    form = _ask(options, form, Y.parse_args_string(args))
    call_script(app, parts[2], panels, env=_env(form))
    Y.Log.success("Action %s successful" % parts[2])


# ---------------------------------------------------------------- DNS

def _public_ip():
    try:
        with open("/etc/yunohost/standin-public-ip") as f:
            ip = f.read().strip()
            if ip:
                return ip
    except OSError:
        pass
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    return out[0] if out else None


def _zone_path(domain):
    return os.path.join(DNS_DIR, domain + ".yml")


def _zone(domain):
    try:
        with open(_zone_path(domain)) as f:
            return yaml.safe_load(f) or {}
    except OSError:
        return {}


def _write_zone(domain, records):
    os.makedirs(DNS_DIR, exist_ok=True)
    with open(_zone_path(domain) + ".tmp", "w") as f:
        yaml.safe_dump(records, f, default_flow_style=False)
    os.replace(_zone_path(domain) + ".tmp", _zone_path(domain))


def _dyndns_keys(domain):
    return glob.glob(os.path.join(DYNDNS_KEYS, "K%s.+*.key" % domain))


def _wanted(domain):
    ip = _public_ip()
    return {"@": {"A": ip}, "*": {"A": ip}} if ip else {}


def dyndns_update(domain=None, force=False, dry_run=False):
    if domain is None:
        doms = [d for d in Y.domain_list()["domains"]
                if d.endswith(tuple("." + s for s in DYNDNS_DOMAINS)) and _dyndns_keys(d)]
        if not doms:
            raise Y.YError("No domain registered with DynDNS")
        for d in doms:
            dyndns_update(d, force, dry_run)
        return None
    if not _dyndns_keys(domain):
        raise Y.YError("DNS key not found for the domain")
    wanted = _wanted(domain)
    if not wanted:
        return None
    if not force and not dry_run and _zone(domain) == wanted:
        Y.Log.info("No update needed.")
        return None
    Y.Log.info("Update needed, going on...")
    if dry_run:
        for name, recs in wanted.items():
            for t, v in recs.items():
                print("%s. 3600 IN %s %s" % (domain if name == "@" else name + "." + domain, t, v))
        print("Warning: dry run, this is only the generated config, it won't be applied")
        return None
    _write_zone(domain, wanted)
    Y.Log.success("Updated your IP on DynDNS")
    return None


def _domain_settings(domain):
    p = "/etc/yunohost/domains/%s.yml" % domain
    if not os.path.exists(p):
        raise Y.YError("Domain '%s' unknown" % domain)
    with open(p) as f:
        return yaml.safe_load(f) or {}


def domain_dns_push(domain, dry_run=False, force=False, purge=False):
    s = _domain_settings(domain)
    if domain.endswith(tuple("." + t for t in SPECIAL_USE_TLDS)):
        raise Y.YError("This domain is based on a special-use top-level domain (TLD) such as "
                       ".local or .test and is therefore not expected to have actual DNS records.")
    registrar = s.get("registrar")
    if domain.endswith(tuple("." + d for d in DYNDNS_DOMAINS)):
        registrar = "yunohost"
    if not registrar or registrar == "None":
        raise Y.YError("The automatic DNS configuration feature is not applicable to domain %s."
                       " You should manually configure your DNS records following the "
                       "documentation at https://yunohost.org/dns_config." % domain)
    if registrar == "yunohost":
        dyndns_update(domain, force=force)
        return {}
    wanted = {} if purge else _wanted(domain)
    current = _zone(domain)
    diff = {"delete": [], "create": [], "update": [], "unchanged": []}
    for name in sorted(set(wanted) | set(current)):
        for t in sorted(set(wanted.get(name, {})) | set(current.get(name, {}))):
            rec = {"name": name, "type": t, "content": wanted.get(name, {}).get(t)}
            old = current.get(name, {}).get(t)
            if rec["content"] is None:
                diff["delete"].append(dict(rec, content=old))
            elif old is None:
                diff["create"].append(rec)
            elif old != rec["content"]:
                diff["update"].append(dict(rec, old_content=old))
            else:
                diff["unchanged"].append(rec)
    if dry_run:
        return diff
    if not (diff["delete"] or diff["create"] or diff["update"]):
        Y.Log.info("Records already up to date, nothing to do.")
        return {}
    _write_zone(domain, wanted)
    Y.Log.success("DNS records updated!")
    return {}


# ---------------------------------------------------------------- CLI

def add_parsers(cats, app_sub):
    cg = app_sub.add_parser("config").add_subparsers(dest="sub", required=True)
    g = cg.add_parser("get")
    g.add_argument("app")
    g.add_argument("key", nargs="?")
    g.add_argument("-f", "--full", action="store_true")
    g.add_argument("-e", "--export", action="store_true")
    s = cg.add_parser("set")
    s.add_argument("app")
    s.add_argument("key", nargs="?")
    s.add_argument("-v", "--value")
    s.add_argument("-a", "--args")
    ac = app_sub.add_parser("action").add_subparsers(dest="sub", required=True)
    al = ac.add_parser("list")
    al.add_argument("app")
    ar = ac.add_parser("run")
    ar.add_argument("app")
    ar.add_argument("action_key", metavar="action")
    ar.add_argument("-a", "--args")
    dy = cats.add_parser("dyndns").add_subparsers(dest="action", required=True)
    du = dy.add_parser("update")
    du.add_argument("-d", "--domain")
    du.add_argument("-f", "--force", action="store_true")
    du.add_argument("-D", "--dry-run", action="store_true")


def add_domain_parsers(dm):
    dns = dm.add_parser("dns").add_subparsers(dest="sub", required=True)
    p = dns.add_parser("push")
    p.add_argument("domain")
    p.add_argument("-d", "--dry-run", action="store_true")
    p.add_argument("--force", action="store_true")
    p.add_argument("--purge", action="store_true")


def dispatch(a, g):
    """The result, or NotImplemented when the command is not ours."""
    key = (a.category, a.action, getattr(a, "sub", None))
    if key == ("app", "config", "get"):
        return config_get(a.app, a.key, a.export)
    if key == ("app", "config", "set"):
        Y.Lock(g["timeout"])
        return config_set(a.app, a.key, a.value, a.args)
    if key == ("app", "action", "list"):
        return action_list(a.app)
    if key == ("app", "action", "run"):
        Y.Lock(g["timeout"])
        return action_run(a.app, a.action_key, a.args)
    if key[:2] == ("dyndns", "update"):
        return dyndns_update(a.domain, a.force, a.dry_run)
    if key == ("domain", "dns", "push"):
        return domain_dns_push(a.domain, a.dry_run, a.force, a.purge)
    return NotImplemented
