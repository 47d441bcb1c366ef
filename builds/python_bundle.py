"""Make a relocatable Python under /opt/skylift-python from the Python that runs this script.

`add_python=` copies the result into images that lack that Python (or any Python): the bundle
carries its interpreter, standard library, pip, and the shared libraries its interpreter and
standard-library modules link against, the C library and dynamic loader included. The
interpreter's ELF header names the bundled loader and an RPATH into the bundle, and it links
libgcc_s and libstdc++ up front, so that libraries loaded later by name (C++ extensions,
thread cancellation) get the bundle's copies. It therefore runs on images of other distributions
and C libraries (musl, or none at all). Not bundled, and taken from the image when asked for:
what a program loads by path or through configuration (NSS modules other than files and dns,
gconv, OpenSSL engines, libGL, GPU driver libraries); OpenSSL's default CA path is Debian's
/usr/lib/ssl; there are no headers to compile C extensions against.

It runs with a skylift/debian-slim base's own Python, in a build container, as a plain script
(standard library only): `python3 python_bundle.py PATCHELF PIP_REQUIREMENT`. It checks the bundle
before it exits: the relocated interpreter starts with an empty environment, imports the modules
that need shared libraries, and maps no library from outside the bundle.
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import sys
import sysconfig
from pathlib import Path

# Where the bundle goes (the tests make one at /opt/conda, as a conda package of Python).
ROOT = Path(os.environ.get("SKYLIFT_BUNDLE_ROOT", "/opt/skylift-python"))
LIBS = ROOT / "lib" / "so"
VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"
# Left out: tests, GUI toolkits and the distribution's own site directories.
SKIP_STDLIB = {"test", "idlelib", "tkinter", "turtledemo", "__pycache__", "site-packages", "dist-packages"}
# Loaded by name at run time by glibc and C++ extensions: bundled, and linked by the interpreter
# so that they are loaded from the bundle before anything asks for them by name.
ALSO_BUNDLE = ("libgcc_s.so.1", "libstdc++.so.6")
CHECK_IMPORTS = "ssl, sqlite3, ctypes, lzma, bz2, zlib, hashlib, decimal, json, uuid, pip"
LDD_LINE = re.compile(r"^\s*(\S+)\s*(?:=>\s*(\S+))?\s*\(0x[0-9a-f]+\)\s*$")
LDD_MISSING = re.compile(r"^\s*(\S+)\s*=>\s*not found\s*$")


def shared_libraries(paths: list[Path]) -> tuple[dict[str, Path], Path]:
    """Every library `paths` load (by soname) and the dynamic loader, as ldd resolves them."""
    found: dict[str, Path] = {}
    loader: Path | None = None
    for path in paths:
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if missing := LDD_MISSING.match(line):
                sys.exit(f"error: {path} needs {missing.group(1)}, which this image does not have")
            m = LDD_LINE.match(line)
            if not m or m.group(1).startswith("linux-vdso") or m.group(1).startswith("linux-gate"):
                continue
            name, target = m.group(1), m.group(2)
            if target is None:  # "/lib64/ld-linux-x86-64.so.2 (0x...)": the loader itself
                loader = Path(name)
            else:
                found.setdefault(name, Path(target))
    if loader is None:
        sys.exit(f"error: ldd names no dynamic loader for {paths[0]}")
    return found, loader


def library_path(name: str) -> Path | None:
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split(" => ")
        if len(parts) == 2 and parts[0].split()[0] == name:
            return Path(parts[1].strip())
    return None


def copy_stdlib() -> Path:
    source = Path(sysconfig.get_paths()["stdlib"])
    target = ROOT / "lib" / f"python{VERSION}"
    shutil.copytree(
        source,
        target,
        symlinks=False,
        ignore_dangling_symlinks=True,
        ignore=lambda d, names: [n for n in names if n in SKIP_STDLIB or n == "EXTERNALLY-MANAGED"],
    )
    if not (target / "lib-dynload").is_dir():
        sys.exit(f"error: {source} has no lib-dynload directory")
    cafile = ssl.get_default_verify_paths().openssl_cafile  # compiled into the bundled OpenSSL
    (target / "sitecustomize.py").write_text(SITECUSTOMIZE.replace("OPENSSL_CAFILE", repr(cafile)))
    return target


# The bundled OpenSSL looks for CA certificates where Debian keeps them (/usr/lib/ssl); other
# distributions keep them elsewhere. At start, when that place is missing and nothing was set,
# point SSL_CERT_FILE at the image's own bundle (child processes inherit it, which is what they
# would want too).
SITECUSTOMIZE = '''"""Added by Skylift's add_python: find the image's CA certificates for this Python's OpenSSL."""
import os as _os

if not _os.environ.get("SSL_CERT_FILE") and not _os.path.exists(OPENSSL_CAFILE):
    for _bundle in (
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem",
        "/etc/ssl/cert.pem",
    ):
        if _os.path.exists(_bundle):
            _os.environ["SSL_CERT_FILE"] = _bundle
            break
'''


def main(patchelf: str, pip_requirement: str) -> None:
    if ROOT.exists():
        shutil.rmtree(ROOT)
    (ROOT / "bin").mkdir(parents=True)
    LIBS.mkdir(parents=True)
    stdlib = copy_stdlib()
    exe = ROOT / "bin" / f"python{VERSION}"
    shutil.copy2(os.path.realpath(sys.executable), exe)

    modules = sorted((stdlib / "lib-dynload").glob("*.so"))
    libraries, loader = shared_libraries([Path(os.path.realpath(sys.executable)), *modules])
    for name in ALSO_BUNDLE:
        if name not in libraries and (path := library_path(name)):
            libraries[name] = path
    for name, path in sorted(libraries.items()):
        shutil.copy2(os.path.realpath(path), LIBS / name)
    bundled_loader = LIBS / loader.name
    shutil.copy2(os.path.realpath(loader), bundled_loader)

    needed = [arg for name in ALSO_BUNDLE if name in libraries for arg in ("--add-needed", name)]
    subprocess.run(
        [
            patchelf,
            "--set-interpreter",
            str(bundled_loader),
            "--force-rpath",
            "--set-rpath",
            "$ORIGIN/../lib/so",
            *needed,
            str(exe),
        ],
        check=True,
    )
    for alias in ("python3", "python"):
        (ROOT / "bin" / alias).symlink_to(exe.name)

    # pip, from the package index (the distribution's own is split up and patched), where the
    # relocated interpreter installs packages; and pip commands that run it.
    purelib = run_bundled("import sysconfig; print(sysconfig.get_path('purelib'))").strip()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-cache-dir",
            "--target",
            purelib,
            pip_requirement,
        ],
        check=True,
    )
    shutil.rmtree(Path(purelib) / "bin", ignore_errors=True)  # pip's own scripts, for the wrong Python
    for name in ("pip", "pip3", f"pip{VERSION}"):
        script = ROOT / "bin" / name
        script.write_text(f"#!{exe}\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n")
        script.chmod(0o755)

    check(exe)
    size = sum(f.stat().st_size for f in ROOT.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"Python {VERSION} bundled in {ROOT}: {len(libraries) + 1} shared libraries, {size / 1e6:.0f} MB")


def run_bundled(code: str) -> str:
    exe = ROOT / "bin" / f"python{VERSION}"
    return subprocess.run([str(exe), "-c", code], env={}, capture_output=True, text=True, check=True).stdout


def check(exe: Path) -> None:
    """The bundle starts with an empty environment, imports what needs libraries, maps only its own."""
    code = (
        f"import sys, {CHECK_IMPORTS}\n"
        "maps = {line.split()[-1] for line in open('/proc/self/maps') if '.so' in line}\n"
        f"outside = sorted(p for p in maps if not p.startswith('{ROOT}/'))\n"
        "print('%d.%d' % sys.version_info[:2], sys.prefix, *outside)\n"
    )
    out = run_bundled(code).split()
    if out[:2] != [VERSION, str(ROOT)] or out[2:]:
        sys.exit(f"error: the bundled Python is not self-contained: {' '.join(out)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
