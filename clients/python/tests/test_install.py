"""`pip install ./clients/python` into a fresh virtual environment (with the system's packages,
so httpx and torch come from Debian), offline, and the installed package imports from there."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from _support import PACKAGE_ROOT


def venv_available():
    try:
        import ensurepip  # noqa: F401 - the venv module needs it to install pip
        import venv  # noqa: F401
    except ImportError:
        return False
    return True


@unittest.skipUnless(venv_available(), "python3 -m venv is not available (apt-get install -y python3-venv)")
class InstallTest(unittest.TestCase):
    def test_pip_install_into_a_venv(self):
        with tempfile.TemporaryDirectory() as tmp:
            # A copy of the package: building writes build/ and *.egg-info next to its sources.
            source = Path(tmp) / "trainyard-src"
            shutil.copytree(PACKAGE_ROOT, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests"))
            env_dir = Path(tmp) / "venv"
            subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)], check=True)
            python = env_dir / "bin" / "python"
            # --no-index: nothing from the network; --no-build-isolation: the system's setuptools builds it.
            install = subprocess.run(
                [str(python), "-m", "pip", "install", "--no-index", "--no-build-isolation", "--quiet", str(source)],
                capture_output=True,
                text=True,
                env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"),
            )
            self.assertEqual(install.returncode, 0, install.stdout + install.stderr)
            probe = subprocess.run(
                [
                    str(python),
                    "-c",
                    "import trainyard, trainyard._schema, importlib.resources as r; "
                    "print(trainyard.__file__); print(trainyard.__version__); "
                    "print(r.files('trainyard').joinpath('py.typed').is_file())",
                ],
                capture_output=True,
                text=True,
                cwd=tmp,  # not the source tree: the import must find the installed copy
            )
            self.assertEqual(probe.returncode, 0, probe.stderr)
            file, version, typed = probe.stdout.split()
            self.assertTrue(file.startswith(str(env_dir)), file)
            self.assertEqual((version, typed), ("0.1.0", "True"))


if __name__ == "__main__":
    unittest.main()
