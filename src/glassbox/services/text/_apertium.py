"""Rule-based translation with Apertium: Debian's `apertium` program and its language pairs.

Each installed pair contributes its modes (`apertium -l`: "eng-spa",
"spa-eng", …); variant modes such as "spa-eng_US" are not offered. A batch of
texts is one run of the program (texts kept apart by marker paragraphs), fed on
standard input and bounded by a timeout; an HTML document is one run.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess

from glassbox.errors import ConfigError, Overloaded

from ._codes import to_iso639_1
from ._ct2 import SETTING
from ._local import LocalTranslator

_MODE = re.compile(r"([a-z]{2,3})-([a-z]{2,3})")
# Paragraphs that separate the texts of a batch; Apertium passes unknown words through.
_MARKER_TEXT = "gbxq"
_MARKER = re.compile(rf"\s*\[\[{_MARKER_TEXT}(\d+)\]\]\s*")
# Apertium's tools read and write text in the locale's encoding.
_ENV = {"LC_ALL": "C.UTF-8"}


class ApertiumTranslator(LocalTranslator):
    """Translates with the installed Apertium pairs.

    The program and its modes are looked up once, here: `ConfigError` naming
    the setting when the program is missing or no pair is installed. A run
    that takes longer than `timeout` seconds is killed and reported as
    `Overloaded`. HTML goes through Apertium's own HTML format (which keeps
    inline markup around the words it moves), sanitised before and after.
    """

    name = "apertium"
    reads_html = True

    def __init__(
        self,
        *,
        program: str = "apertium",
        timeout: float = 30.0,
        max_concurrent: int = 2,
        queue_timeout: float = 30.0,
    ) -> None:
        super().__init__(max_concurrent=max_concurrent, queue_timeout=queue_timeout)
        found = shutil.which(program)
        if found is None:
            raise ConfigError(
                f"setting {SETTING!r}: the {program!r} program is not installed "
                "(Debian: apertium and a pair such as apertium-eng-spa)"
            )
        self._program = found
        self._timeout = timeout
        self._modes = self._list_modes()
        if not self._modes:
            raise ConfigError(
                f"setting {SETTING!r}: Apertium has no language pair installed "
                "(Debian: a package such as apertium-eng-spa)"
            )

    def pairs(self) -> set[tuple[str, str]]:
        return set(self._modes)

    def _translate_texts(
        self, texts: list[str], source: str, target: str, *, fmt: str, alternatives: int
    ) -> list[tuple[str, tuple[str, ...]]]:
        mode = self._modes[(source, target)]
        if fmt == "html":
            return [(self._run(["-u", "-f", "html", mode], text), ()) for text in texts]
        done = self._run_batch(mode, texts)
        if done is None:
            done = [self._run(["-u", "-f", "txt", mode], text) for text in texts]
        return [(text, ()) for text in done]

    def _run_batch(self, mode: str, texts: list[str]) -> list[str] | None:
        """All `texts` in one run, as paragraphs between numbered marker paragraphs.

        Starting the program costs about 0.1 s, so a batch runs once. Each text's
        surrounding white space is kept aside and put back. None (run them one
        by one instead) if a text contains a marker, or the markers do not all
        come back, in order.
        """
        if len(texts) < 2 or any(_MARKER_TEXT in text for text in texts):
            return None
        cores = [text.strip() for text in texts]
        joined = "".join(
            core if i == 0 else f"\n\n[[{_MARKER_TEXT}{i}]]\n\n{core}"
            for i, core in enumerate(cores)
        )
        parts = _MARKER.split(self._run(["-u", "-f", "txt", mode], joined))
        # parts: text, marker number, text, marker number, ..., text
        if parts[1::2] != [str(i) for i in range(1, len(texts))]:
            return None
        return [
            text[: len(text) - len(text.lstrip())] + part.strip() + text[len(text.rstrip()) :]
            for text, part in zip(texts, parts[0::2], strict=True)
        ]

    def _list_modes(self) -> dict[tuple[str, str], str]:
        modes: dict[tuple[str, str], str] = {}
        for line in self._run(["-l"], "").split():
            match = _MODE.fullmatch(line.strip())
            if match:
                pair = (to_iso639_1(match[1]), to_iso639_1(match[2]))
                modes.setdefault(pair, match[0])
        return modes

    def _run(self, args: list[str], text: str) -> str:
        process = subprocess.Popen(
            [self._program, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **_ENV},
            start_new_session=True,  # so a timeout can end the whole pipeline
        )
        try:
            out, err = process.communicate(text.encode("utf-8"), timeout=self._timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise Overloaded(f"Apertium took longer than {self._timeout:g} s") from None
        if process.returncode != 0:
            message = err.decode("utf-8", "replace").strip().splitlines()[:1]
            raise ConfigError(
                f"setting {SETTING!r}: apertium {' '.join(args)} failed "
                f"(exit {process.returncode}): {' '.join(message)}"
            )
        return out.decode("utf-8", "replace")
