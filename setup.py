"""Bundle the Sqitch project into the wheel, so that an installed animus can deploy its schema.

``pyproject.toml`` holds the metadata; this adds one step to ``build_py``: it copies
``sqitch.conf``, ``sqitch.plan`` and ``deploy/``, ``revert/``, ``verify/`` from the top of the
source tree into ``animus/sqitch/`` of the build (``animus.schema.bundled_dir`` finds them
there, and ``animus db deploy --url`` deploys them). The checkout keeps its top-level layout,
which Sqitch, script/db and the Docker image use; an editable install reads the checkout's.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
PROJECT_FILES = ("sqitch.conf", "sqitch.plan")
PROJECT_DIRS = ("deploy", "revert", "verify")


class build_py_with_schema(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the checkout itself
        target = Path(self.build_lib) / "animus" / "sqitch"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for name in PROJECT_FILES:
            shutil.copy2(ROOT / name, target / name)
        for name in PROJECT_DIRS:
            shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("*~"))


setup(cmdclass={"build_py": build_py_with_schema})
