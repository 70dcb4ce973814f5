"""The Release Digest application: the Discord adapter and the ``release-digest`` command line."""
