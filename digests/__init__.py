"""Release Digest core library: releases, summaries, quotes, digests, storage and ingestion.

Never imports ``discord`` or ``bot``: the Discord adapter and the command line depend on this package, not the
other way round.
"""
