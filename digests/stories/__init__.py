"""Stories: near-duplicate releases (the same text published by several sources) grouped as one story."""
