"""Test-wide settings.

Under CI (``CI`` set) hypothesis runs derandomized: a landing is judged on the same
examples every time, while developers' runs keep exploring new ones (and the examples
they find that fail are pinned with ``@example``).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
