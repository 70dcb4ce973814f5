import asyncio
import os

from digests.analyse import analyse
from digests.analysers import ProcessAnalyser, ThreadAnalyser
from digests.topics import topic_terms

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
