"""A registry of named entries: the one way a name chooses code (a backbone, a strategy, ...).

The module that owns a kind holds one `Registry(kind)` and registers each entry with
`register(name)` (a decorator) or `add(name, entry)`; the entry is whatever that kind needs (a
class, a factory, a frozen dataclass of fields). Names keep their registration order (the order
of command-line choices and of the names an error lists). An unknown name raises

    ValueError: Unknown {kind}. Valid: a, b. Received: {key}='name'

where `key` is `kind` with underscores for spaces; registering a taken name raises ValueError.
Aliases are other names `get` accepts for an entry, not listed by `names()`.
"""


class Registry:
    """Entries of one kind by name, in registration order.

    kind: what an entry is, for messages ("backbone", "fake kind").
    entries: the `{name: entry}` dict itself (aliases apart).
    """

    def __init__(self, kind):
        self.kind = kind
        self.entries = {}
        self._aliases = {}  # other accepted name -> registered name

    def add(self, name, entry, aliases=()):
        """Register `entry` as `name`, `get` also finding it by each of `aliases`."""
        for key in (name, *aliases):
            if key in self:
                raise ValueError(
                    f"{self.kind[:1].upper()}{self.kind[1:]} {key!r} is registered already."
                )
        self.entries[name] = entry
        self._aliases.update(dict.fromkeys(aliases, name))
        return entry

    def register(self, name, make=None, aliases=()):
        """Decorator registering the decorated object as `name` (`make(obj)` when given, e.g. a
        dataclass holding it); the object itself is returned unchanged."""

        def decorator(obj):
            self.add(name, obj if make is None else make(obj), aliases)
            return obj

        return decorator

    def names(self):
        """The registered names (no aliases), in registration order."""
        return tuple(self.entries)

    def get(self, name):
        """The entry registered as `name` (or an alias of it); ValueError listing the names."""
        entry = self.entries.get(self._aliases.get(name, name), _MISSING)
        if entry is _MISSING:
            key = self.kind.replace(" ", "_")
            raise ValueError(
                f"Unknown {self.kind}. Valid: {', '.join(self.entries)}. Received: {key}={name!r}"
            )
        return entry

    def __contains__(self, name):
        return name in self.entries or name in self._aliases

    def __iter__(self):
        return iter(self.entries)

    def __len__(self):
        return len(self.entries)

    def __repr__(self):
        return f"Registry({self.kind!r}: {', '.join(self.entries)})"


_MISSING = object()
