import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from digests.analyse import analyse
from digests.analysers import ProcessAnalyser, ThreadAnalyser
from digests.topics import topic_terms

ROOT = Path(__file__).resolve().parents[2]
BODY = (
    'The Higher Military Commission (HMC) met on Monday. "We will finish the review," said General Jane Doe, the '
    "commission's chair.\n\nThe review covers every case heard since 2020. It ends in March."
)


async def test_worker_processes_analyse_as_the_loop_process_would() -> None:
    analyser = ProcessAnalyser(2)
    try:
        await asyncio.gather(analyser.start(), analyser.start())  # started once, whoever asks first
        results = await asyncio.gather(
            analyser.analyse(BODY, "Commission meets", ("Defense",), "news"),
            analyser.run(topic_terms, "Commission meets", BODY, ("Defense",)),
            analyser.run(os.getpid),
            analyser.run(os.getpid),
        )
    finally:
        await analyser.close()
    assert results[0] == analyse(BODY, "Commission meets", ("Defense",), "news")
    assert results[1] == topic_terms("Commission meets", BODY, ("Defense",))
    assert os.getpid() not in results[2:]


async def test_a_pool_never_started_closes_at_once() -> None:
    await ProcessAnalyser(1).close()
    await ThreadAnalyser().close()


_KILLED_OWNER = """
import asyncio, multiprocessing.forkserver, os, signal, time
from digests.analysers import ProcessAnalyser

def pid_after_a_while():
    time.sleep(0.3)
    return os.getpid()

async def main():
    analyser = ProcessAnalyser(2)
    pids = set(await asyncio.gather(*(analyser.run(pid_after_a_while) for _ in range(4))))
    pids.add(multiprocessing.forkserver._forkserver._forkserver_pid)
    print(" ".join(map(str, pids)), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # no chance to close the pool

if __name__ == "__main__":
    asyncio.run(main())
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_workers_and_their_fork_server_end_when_the_owner_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "owner.py"
    script.write_text(_KILLED_OWNER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr
    pids = [int(pid) for pid in done.stdout.split()]
    assert len(pids) >= 2  # at least one worker and the fork server
    deadline = time.monotonic() + 30
    while any(map(_running, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in pids if _running(pid)]
