"""The example workflow, .github/workflows/feeds.yml: valid YAML of the shape GitHub
expects, every action pinned to an exact version, and every calfeed command in it run
here against the repository's feeds (with BIN standing in for ./target/release/calfeed).

Usage: check_workflow.py REPO BIN
Prints `workflow: N passed, M failed`; exit status 1 on any failure.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

PINNED = re.compile(r"^[\w.-]+/[\w.-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$")


def main():
    repo, binary = sys.argv[1], os.path.abspath(sys.argv[2])
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL  {what}")

    with open(os.path.join(repo, ".github/workflows/feeds.yml"), encoding="utf-8") as f:
        workflow = yaml.safe_load(f)
    # YAML reads the key `on` as the boolean True.
    triggers = workflow.get("on", workflow.get(True))
    check(isinstance(triggers, dict) and "pull_request" in triggers, "runs on pull requests")
    check(triggers.get("push", {}).get("branches") == ["main"], "deploys on push to main")
    check(bool(triggers.get("schedule")), "rebuilds on a schedule (the window of upcoming events moves)")
    jobs = workflow.get("jobs", {})
    check(set(jobs) == {"check", "deploy"}, f"jobs are check and deploy: {sorted(jobs)}")
    check(jobs["deploy"]["permissions"].get("pages") == "write", "deploy may write Pages")
    commands = []
    for name, job in jobs.items():
        check(bool(job.get("runs-on")), f"{name}: runs-on is set")
        for step in job.get("steps", []):
            if "uses" in step:
                check(PINNED.match(step["uses"]) is not None, f"{name}: {step['uses']} is pinned")
            run = step.get("run", "")
            for line in run.splitlines():
                if line.strip().startswith("./target/release/calfeed"):
                    commands.append(line.strip())
    uses = [s["uses"] for s in jobs["deploy"]["steps"] if "uses" in s]
    check(any(u.startswith("actions/deploy-pages@") for u in uses), "deploy job deploys Pages")
    check(any("check --format github" in c for c in commands), "validates with annotations")
    check(any("--previous published" in c for c in commands), "runs the publish guard")
    check(any("--as-of" in c for c in commands), "deploys as of the day it runs")

    # Run every calfeed command of the workflow in a scratch copy of the project.
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(os.path.join(repo, "feeds"), os.path.join(scratch, "feeds"))
        os.makedirs(os.path.join(scratch, "published"))
        for command in commands:
            # As GitHub runs a step: through bash, so that `$(date -u +%F)` is today.
            line = shlex.quote(binary) + command[len("./target/release/calfeed"):]
            result = subprocess.run(["bash", "-c", line], cwd=scratch, capture_output=True,
                                    text=True)
            check(
                result.returncode == 0,
                f"`{command}` exits 0 (got {result.returncode}: {result.stderr.strip()})",
            )
    print(f"workflow: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
