"""Login throttling: repeated failures for one e-mail or from one address lock further attempts for a while.

Kept in the service process (a restart forgets it): it slows guessing down, it is not an account store.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field


@dataclass
class LoginThrottle:
    """At most `per_email` failures per e-mail and `per_client` per client address within `window_s`;
    past that, every attempt (even a right password) is refused until the oldest failure leaves the window."""

    per_email: int = 5
    per_client: int = 20
    window_s: float = 15 * 60
    clock: callable = time.monotonic
    _fails: dict = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _keys(self, email: str, client: str) -> tuple[tuple[str, str, int], ...]:
        return (("email", email.strip().lower(), self.per_email), ("client", client, self.per_client))

    def retry_after(self, email: str, client: str) -> int:
        """Seconds to wait before trying again (0: the attempt may go ahead)."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for kind, key, limit in self._keys(email, client):
                q = self._fails[(kind, key)]
                while q and q[0] <= now - self.window_s:
                    q.popleft()
                if len(q) >= limit:
                    wait = max(wait, q[0] + self.window_s - now)
        return math.ceil(wait)

    def failed(self, email: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            for kind, key, _ in self._keys(email, client):
                self._fails[(kind, key)].append(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._fails.pop(("email", email.strip().lower()), None)


def wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (f"trop de tentatives de connexion : compte verrouillé, réessayez dans {minutes} minute"
            f"{'s' if minutes > 1 else ''}")
