"""The fixed inputs of the answers timed at scale (bench/scale.py, bench/bot_memory.py): a module of its own, so
that bot_memory can use them without importing what scale.py loads (the analysis stack, which the bot never does)."""

FREQUENT = ("government", "president", "people", "minister", "election")
UNKNOWN = ("govermnet", "presidnet", "xqzt", "foreign afairs", "elecshun", "nato summitt")
TOPIC_PREFIXES = ("", "g", "go", "gov", "t", "tr", "e", "ec", "nat", "h", "zq")
SPEAKER_PREFIXES = ("", "t", "tr", "cl", "b", "bl", "j", "mr", "sa", "ob")
QUOTE_WORDS = ("people", "government", "going", "country", "think")
QUOTE_TOPICS = (("tax", "government"), ("war", "president"), ("jobs", "economy"), ("vote", "election"))
SEARCH_WORDS = ("government", "people", "market", "years", "new")
