from tests.fake_discord.fixtures import fake_discord  # noqa: F401  (makes the fixture available here)
from tests.fake_discord.tiny_bot import bot, no_discord_errors  # noqa: F401  (the tiny bot's fixtures, for its tests)
