# Stand-in for the app resources of packaging v2 (src/utils/resources.py):
# system_user, install_dir, data_dir, apt and permissions, provisioned on
# install and restore, reconciled on upgrade (compute_todos: what the new
# manifest lacks is DEPROVISIONED, what it adds provisioned, the rest
# updated), deprovisioned on remove.  Loaded by the `yunohost` stand-in,
# which passes itself to init().  What it leaves out: see
# tests/world/README.md.
import os
import subprocess
import tempfile

Y = None  # the yunohost stand-in module


def init(module):
    global Y
    Y = module


def sh(cmd):
    """os.system: the exit status, output not captured."""
    return subprocess.run(cmd, shell=True).returncode


def out(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                          check=True).stdout


class Manager:
    def __init__(self, app, current, wanted, workdir=None):
        self.app, self.workdir = app, workdir
        self.current = dict(current)
        self.wanted = dict(wanted)
        self.current.setdefault("resources", {})
        self.wanted.setdefault("resources", {})

    def compute_todos(self):
        cur, want = self.current["resources"], self.wanted["resources"]
        for name in reversed(list(cur)):
            if name not in want:
                yield "deprovision", name, make(name, cur[name], self), None
        for name, props in want.items():
            new = make(name, props, self)
            if name in cur:
                yield "update", name, make(name, cur[name], self), new
            else:
                yield "provision", name, None, new

    def apply(self, rollback, **context):
        """Each todo in order; on a failure with rollback, undo what was
        done (in the order done, as the real one) and raise."""
        done, error = [], None
        for todo, name, old, new in self.compute_todos():
            try:
                if todo == "deprovision":
                    Y.Log.info("Deprovisioning %s..." % name)
                    old.deprovision(context)
                else:
                    Y.Log.info("%s %s..." % ("Provisioning" if todo == "provision"
                                             else "Updating", name))
                    new.provision_or_update(context)
            except (Y.YError, AssertionError, OSError,
                    subprocess.CalledProcessError) as e:
                error = e
                Y.Log.warning("Failed to %s %s : %s" % (todo, name, e))
                if rollback:
                    done.append((todo, name, old, new))
                    break
            else:
                done.append((todo, name, old, new))
        if error is not None and rollback:
            for todo, name, old, new in done:
                try:
                    if todo == "deprovision":
                        old.provision_or_update(context)
                    elif todo == "provision":
                        new.deprovision(context)
                    else:
                        old.provision_or_update(context)
                except Exception as e:  # noqa: BLE001 - as the real one
                    Y.Log.error("Failed to rollback %s : %s" % (name, e))
            Y.Log.error("Could not provision/deprovision resources for %s: %s"
                        % (self.app, error))
            raise Y.YError(str(error))
        if error is not None:
            Y.Log.error(str(error))


def make(name, props, manager):
    classes = {"system_user": SystemUser, "install_dir": InstallDir,
               "data_dir": DataDir, "apt": Apt, "permissions": Permissions}
    if name not in classes:
        raise Y.YError("stand-in: the '%s' resource is not modelled" % name)
    return classes[name](props or {}, manager)


def _helpers_version(manager):
    for m in (manager.wanted, manager.current):
        v = (m.get("integration") or {}).get("helpers_version")
        if v:
            return float(v)
    for m in (manager.wanted, manager.current):
        if m.get("packaging_format"):
            return float(m["packaging_format"])
    return 1.0


class Resource:
    defaults = {}

    def __init__(self, props, manager):
        self.app, self.manager = manager.app, manager
        self.helpers_version = _helpers_version(manager)
        version = (manager.wanted.get("version") or manager.current.get("version")
                   or "").split("~")[0]
        arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                              text=True).stdout.strip()
        repl = {"__APP__": self.app, "__YNH_ARCH__": arch,
                "__YNH_DEBIAN_VERSION__": Y.debian_codename(),
                "__YNH_APP_UPSTREAM_VERSION__": version}

        def sub(v):
            if isinstance(v, dict):
                return {k: sub(x) for k, x in v.items()}
            if isinstance(v, list):
                return [sub(x) for x in v]
            if isinstance(v, str):
                for k, x in repl.items():
                    v = v.replace(k, x)
            return v
        self.props = sub(dict(self.defaults, **props))
        for k, v in self.props.items():
            setattr(self, k, v)

    def get_setting(self, key):
        return Y.app_setting(self.app, key)

    def set_setting(self, key, value):
        Y.app_setting(self.app, key, value=value)

    def delete_setting(self, key):
        Y.app_setting(self.app, key, delete=True)


def _perm_octal(owner, group):
    def bits(p):
        return (4 if "r" in p else 0) + (2 if "w" in p else 0) + (1 if "x" in p else 0)
    return 0o100 * bits(owner.split(":")[1]) + 0o010 * bits(group.split(":")[1])


def _chown(path, owner, group):
    sh("chown %s:%s '%s'" % (owner.split(":")[0], group.split(":")[0], path))


class SystemUser(Resource):
    """useradd --system --user-group APP --home-dir HOME --no-create-home
    when missing; then `usermod -G` with the user's current supplementary
    groups, ssh.app / sftp.app added or REMOVED after allow_ssh /
    allow_sftp; the home set to `home` (default /var/www/APP).  Deprovision:
    deluser and delgroup."""
    defaults = {"allow_ssh": False, "allow_sftp": False, "allow_email": False,
                "home": "/var/www/__APP__"}

    def provision_or_update(self, context):
        app = self.app
        if sh("getent passwd %s >/dev/null 2>&1" % app) != 0:
            rc = sh("useradd --system --user-group %s --home-dir %s --no-create-home"
                    % (app, self.home))
            assert rc == 0, "useradd command failed with exit code %s" % rc
        if sh("getent passwd %s >/dev/null 2>&1" % app) != 0:
            raise Y.YError("Failed to create system user for %s" % app)
        groups = set(out("groups %s" % app).strip().split()[2:])
        for flag, group in ((self.allow_ssh, "ssh.app"), (self.allow_sftp, "sftp.app")):
            if flag:
                groups.add(group)
            else:
                groups.discard(group)
        sh("usermod -G %s %s" % (",".join(sorted(groups)), app))
        line = out("getent passwd %s" % app).strip()
        fields = line.split(":")
        if fields[5] != self.home:
            if sh("usermod --home %s %s 2>/dev/null" % (self.home, app)) != 0:
                fields[5] = self.home
                sh("sed -i 's@%s@%s@g' /etc/passwd" % (line, ":".join(fields)))
        if not self.allow_email:
            self.delete_setting("mail_pwd")
        else:
            raise Y.YError("stand-in: allow_email (the mail stack) is not modelled")

    def deprovision(self, context):
        app = self.app
        if sh("getent passwd %s >/dev/null 2>&1" % app) == 0:
            sh("deluser %s >/dev/null" % app)
        if sh("getent passwd %s >/dev/null 2>&1" % app) == 0:
            raise Y.YError("Failed to delete system user for %s" % app)
        if sh("getent group %s >/dev/null 2>&1" % app) == 0:
            sh("delgroup %s >/dev/null" % app)
        if sh("getent group %s >/dev/null 2>&1" % app) == 0:
            raise Y.YError("Failed to delete system user for %s" % app)
        self.delete_setting("mail_pwd")


class InstallDir(Resource):
    """dir (default /var/www/APP) created, or moved from the old
    install_dir/final_path; at install an existing dir is deleted first;
    the dir itself (not recursively) chmod'ed to the owner/group bits (no
    bits for others) and chown'ed owner:group; setting install_dir saved,
    final_path deleted.  Deprovision: rm -r dir (the DEFAULT dir unless the
    manifest gave one: a converted v1 manifest has no dir)."""
    defaults = {"dir": "/var/www/__APP__", "owner": "__APP__:rwx", "group": "__APP__:rx"}

    def provision_or_update(self, context):
        assert self.dir.strip() and self.owner.strip() and self.group.strip()
        current = self.get_setting("install_dir") or self.get_setting("final_path")
        if not current and os.path.isdir(self.dir):
            sh("rm -rf '%s'" % self.dir)
        if not os.path.isdir(self.dir):
            if current and os.path.isdir(current):
                Y.Log.warning("Moving %s to %s... (this may take a while)"
                              % (current, self.dir))
                sh("mv '%s' '%s'" % (current, self.dir))
            else:
                os.makedirs(self.dir)
        real = os.path.realpath(self.dir)
        os.chmod(real, _perm_octal(self.owner, self.group))
        _chown(real, self.owner, self.group)
        self.set_setting("install_dir", self.dir)
        self.delete_setting("final_path")

    def deprovision(self, context):
        assert self.dir.strip() and self.owner.strip() and self.group.strip()
        if os.path.isdir(self.dir):
            sh("rm -rf '%s'" % self.dir)


class DataDir(Resource):
    """dir (default /home/yunohost.app/APP) and subdirs created (or moved
    from the old data_dir/datadir); dir and subdirs chmod'ed/chown'ed as
    install_dir; setting data_dir saved.  Deprovision: the dir is removed
    only with --purge; the setting is deleted."""
    defaults = {"dir": "/home/yunohost.app/__APP__", "subdirs": [],
                "owner": "__APP__:rwx", "group": "__APP__:rx"}

    def provision_or_update(self, context):
        assert self.dir.strip() and self.owner.strip() and self.group.strip()
        current = self.get_setting("data_dir") or self.get_setting("datadir")
        if not os.path.isdir(self.dir):
            if current and os.path.isdir(current):
                Y.Log.warning("Moving %s to %s... (this may take a while)"
                              % (current, self.dir))
                sh("mv '%s' '%s'" % (current, self.dir))
            else:
                os.makedirs(self.dir)
        for sub in self.subdirs:
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        mode = _perm_octal(self.owner, self.group)
        for p in [self.dir] + [os.path.join(self.dir, x) for x in self.subdirs]:
            real = os.path.realpath(p)
            os.chmod(real, mode)
            _chown(real, self.owner, self.group)
        self.set_setting("data_dir", self.dir)
        self.delete_setting("datadir")

    def deprovision(self, context):
        assert self.dir.strip() and self.owner.strip() and self.group.strip()
        if context.get("purge_data_dir") and os.path.isdir(self.dir):
            sh("rm -rf '%s'" % self.dir)
        self.delete_setting("data_dir")


class Apt(Resource):
    """`packages` (list or comma string, plus packages_from_raw_bash) handed
    to the helper of the app's helpers version in a small script:
    ynh_apt_install_dependencies (2.1) or ynh_install_app_dependencies,
    and ynh_apt_remove_dependencies / ynh_remove_app_dependencies to
    deprovision.  `extras` (other repositories) are refused: no network."""
    defaults = {"packages": [], "extras": {}, "packages_from_raw_bash": ""}

    def __init__(self, props, manager):
        super().__init__(props, manager)
        if isinstance(self.packages, str):
            self.packages = [p.strip() for p in self.packages.split(",") if p.strip()]
        if self.packages_from_raw_bash:
            r = subprocess.run(["bash", "-c", self.packages_from_raw_bash],
                               capture_output=True, text=True,
                               env=dict(os.environ, **Y.app_env(self.app, with_settings=True))
                               if Y.is_installed(self.app) else None)
            if r.stderr:
                Y.Log.error("Error while running apt resource packages_from_raw_bash"
                            " snippet:")
                Y.Log.error(r.stderr)
            self.packages += r.stdout.split("\n")
        if any(v.get("packages") for v in (self.extras or {}).values()):
            raise Y.YError("stand-in: apt extras (other repositories) are not"
                           " modelled, the test world has no network")

    def provision_or_update(self, context):
        helper = ("ynh_apt_install_dependencies" if self.helpers_version >= 2.1
                  else "ynh_install_app_dependencies")
        pkgs = [p for p in self.packages if p.strip()]
        self._run("provision_or_update", " ".join([helper] + pkgs) if pkgs else "")

    def deprovision(self, context):
        helper = ("ynh_apt_remove_dependencies" if self.helpers_version >= 2.1
                  else "ynh_remove_app_dependencies")
        self._run("deprovision", helper)

    def _run(self, action, snippet):
        """AppResource._run_script: a script sourcing the helpers,
        ynh_abort_if_errors, the snippet; env of the app with its settings."""
        workdir = self.manager.workdir or Y.tmp_workdir(
            os.path.join(Y.APPS_SETTING_PATH, self.app))
        env = Y.app_env(self.app, workdir=workdir, action="%s_apt" % action,
                        with_settings=True)
        fd, path = tempfile.mkstemp(prefix="%s_apt" % action, dir=workdir)
        with os.fdopen(fd, "w") as f:
            f.write("\nsource /usr/share/yunohost/helpers\nynh_abort_if_errors\n\n"
                    "%s\n" % snippet)
        try:
            rc = Y.hook_exec(path, env=env)
        finally:
            os.remove(path)
            if not self.manager.workdir:
                sh("rm -rf '%s'" % workdir)
        if rc != 0:
            raise Y.YError("%s failed for apt : An error occured inside the script"
                           " snippet" % action)


class Permissions(Resource):
    """The app's permissions, kept (as 12.1 does) in the app setting
    `_permissions`: `main` always exists; show_tile defaults to
    bool(url), so a main permission with no url has no tile; main's url
    must be "/" or absent; allowed from `allowed`, else the install answer
    init_<perm>_permission (deleted afterwards).  No SSOwat or LDAP here."""
    perm_defaults = {"url": None, "additional_urls": [], "auth_header": True,
                     "allowed": None, "show_tile": None, "protected": False}

    def __init__(self, props, manager):
        perms = {}
        for perm, infos in dict(props).items():
            for key in ("auth_header", "show_tile", "protected"):
                if key in infos and not isinstance(infos[key], bool):
                    raise Y.YError("In manifest, for permission '%s', '%s' should"
                                   " be a boolean" % (perm, key))
            perms[perm] = dict(self.perm_defaults, **infos)
        perms.setdefault("main", dict(self.perm_defaults))
        for infos in perms.values():
            if infos["show_tile"] is None:
                infos["show_tile"] = bool(infos["url"])
        if perms["main"]["url"] is not None and perms["main"]["url"] != "/":
            raise Y.YError("URL for the 'main' permission should be '/' for webapps"
                           " (or left undefined for non-webapps). Note that / refers"
                           " to the install url of the app, i.e $domain.tld/$path/")
        super().__init__({"permissions": perms}, manager)

    def provision_or_update(self, context):
        self.delete_setting("is_public")
        existing = self.get_setting("_permissions") or {}
        new = {}
        for perm, infos in self.permissions.items():
            old = existing.get(perm)
            if old is None:
                allowed = infos["allowed"] or self.get_setting(
                    "init_%s_permission" % perm) or []
                if not infos["allowed"] and allowed == "visitors":
                    allowed = ["visitors", "all_users"]
                old = {"allowed": [allowed] if isinstance(allowed, str) else list(allowed)}
                self.delete_setting("init_%s_permission" % perm)
            old.update({"url": infos["url"], "additional_urls": infos["additional_urls"],
                        "auth_header": infos["auth_header"],
                        "show_tile": infos["show_tile"] and bool(infos["url"]),
                        "protected": infos["protected"]})
            new[perm] = old
        self.set_setting("_permissions", new)

    def deprovision(self, context):
        self.delete_setting("_permissions")
