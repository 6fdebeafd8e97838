"""Money and tokens: monthly budgets, lifetime caps, what is spent and reserved of them, the
attempts charged at their worst case, and the signals and updates that move them."""

from pydantic import BaseModel, Field

from paperclip.models.conversation import Usage


class Budget(BaseModel):
    """A monthly cap (UTC calendar month) in USD or tokens; None: no cap of that kind."""

    monthly_usd: float | None = Field(default=None, ge=0)
    monthly_tokens: int | None = Field(default=None, ge=0)

    @property
    def is_capped(self) -> bool:
        return self.monthly_usd is not None or self.monthly_tokens is not None

    @property
    def limits(self) -> tuple[float | None, int | None]:
        return self.monthly_usd, self.monthly_tokens


class Cap(BaseModel):
    """A lifetime cap, in USD or tokens (None: no cap of that kind): on a task with its
    subtasks, or on a goal with the goals under it."""

    usd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    tokens: int | None = Field(default=None, ge=0)

    @property
    def is_capped(self) -> bool:
        return self.usd is not None or self.tokens is not None

    @property
    def limits(self) -> tuple[float | None, int | None]:
        return self.usd, self.tokens


class Spend(BaseModel):
    """Spend in one month (or, under a `Cap`, since the cap was set), and what running calls
    have reserved of it."""

    usd: float = 0.0
    tokens: int = 0
    reserved_usd: float = 0.0
    reserved_tokens: int = 0
    unconfirmed_usd: float = 0.0
    """Of `usd`: attempts lost with their worker, charged at their worst case."""
    unconfirmed_tokens: int = 0

    def room(self, budget: "Budget | Cap", usd: float, tokens: int, *, counting_reserved: bool = True) -> bool:
        """Whether a call costing at most `usd` / `tokens` fits under `budget` with what is spent
        (and, counting them, what calls in flight have reserved)."""
        reserved_usd, reserved_tokens = (self.reserved_usd, self.reserved_tokens) if counting_reserved else (0.0, 0)
        max_usd, max_tokens = budget.limits
        if max_usd is not None and self.usd + reserved_usd + usd > max_usd + 1e-12:
            return False
        return max_tokens is None or self.tokens + reserved_tokens + tokens <= max_tokens

    def share(self, budget: "Budget | Cap") -> float:
        """The larger of the spent shares of the caps (0 with no cap)."""
        max_usd, max_tokens = budget.limits
        shares = [0.0]
        if max_usd:
            shares.append(self.usd / max_usd)
        if max_tokens:
            shares.append(self.tokens / max_tokens)
        return max(shares)


class CapState(BaseModel):
    """A lifetime cap in a company, with what its scope spent since the cap was set."""

    scope: str
    """`task:ACME-3` (the task and its subtasks) or `goal:G2` (tasks serving it or a goal under it)."""
    cap: Cap
    spend: Spend = Field(default_factory=Spend)
    stopped: bool = False
    """A call did not fit: the tasks it covers hold until the cap is raised."""


class Unconfirmed(BaseModel):
    """Attempts whose worker was lost before the provider's answer was known, charged at their worst
    case: budgets count them as spent (a cap is never passed), costs show them apart."""

    attempts: int = 0
    tokens: int = 0
    usd: float = 0.0

    def __add__(self, other: "Unconfirmed") -> "Unconfirmed":
        return Unconfirmed(
            attempts=self.attempts + other.attempts,
            tokens=self.tokens + other.tokens,
            usd=round(self.usd + other.usd, 10),
        )

    def __sub__(self, other: "Unconfirmed") -> "Unconfirmed":
        return Unconfirmed(
            attempts=self.attempts - other.attempts,
            tokens=self.tokens - other.tokens,
            usd=round(self.usd - other.usd, 10),
        )


class Reservation(BaseModel):
    agent: str
    seq: int
    usd: float
    tokens: int
    caps: list[str] = Field(default_factory=list)
    """The lifetime caps it was reserved from (a cap set or dropped meanwhile is not touched)."""


class BudgetRequest(BaseModel):
    """Signal from a task to its company before a model call: may it spend this much at most?"""

    identifier: str
    seq: int
    """The turn it is for: the answer names it."""
    agent: str
    usd: float
    tokens: int
    used: Usage
    """The task's usage so far (cumulative), which also settles its previous call."""
    used_usd: float
    unconfirmed: Unconfirmed | None = None
    """The task's unconfirmed attempts so far (cumulative): counted as spent."""


class BudgetDecision(BaseModel):
    """Signal from the company to a task: the model call may go ahead, or its budget is spent."""

    seq: int
    granted: bool
    reason: str = ""


class SetBudgetInput(BaseModel):
    """Set the company's or an agent's monthly budget (None: no cap of that kind)."""

    scope: str = "company"
    """`company` or an agent's name."""
    monthly_usd: float | None = Field(default=None, ge=0)
    monthly_tokens: int | None = Field(default=None, ge=0)
    actor: str = "board"


class SetCapInput(BaseModel):
    """Set (or, with no cap of either kind, drop) the lifetime cap of a task or a goal."""

    scope: str
    """`task:ACME-3` or `goal:G2`."""
    cap: Cap
    actor: str = "board"
