"""The demo company behind `paperclip up --demo`: Acme Robotics, a CEO and two reports.

The model follows the keys in the environment or the `.env` file: OpenAI when `OPENAI_API_KEY` is set, else
Anthropic when `ANTHROPIC_API_KEY` is set, else the offline `simulated` provider.
"""

from collections.abc import Mapping

from pydantic import BaseModel

from paperclip.models import AgentSpec, CompanySpec, CreateTaskInput, ModelConfig, Priority, Provider

OPENAI_MODEL = "gpt-4o-mini"
ANTHROPIC_MODEL = "claude-haiku-4-5"


class DemoCompany(BaseModel):
    spec: CompanySpec
    goals: list[str]
    """Its company goals: the first is `G1`, which the first task serves."""
    agents: list[AgentSpec]
    first_task: CreateTaskInput

    @property
    def simulated(self) -> bool:
        return any(agent.model.is_simulated for agent in self.agents)

    def create_body(self) -> dict[str, object]:
        """The body of `POST /api/companies` that creates the company with its goals and agents."""
        return {
            **self.spec.model_dump(mode="json"),
            "goals": self.goals,
            "agents": [agent.model_dump(mode="json", exclude_none=True) for agent in self.agents],
        }


def demo_model(environ: Mapping[str, str] | None = None) -> ModelConfig:
    """The model the demo agents use, chosen by which provider key is set."""
    if environ is None:
        from paperclip.settings import get_settings

        environ = get_settings().environ
    if environ.get("OPENAI_API_KEY"):
        return ModelConfig(provider=Provider.OPENAI, model=OPENAI_MODEL)
    if environ.get("ANTHROPIC_API_KEY"):
        return ModelConfig(provider=Provider.ANTHROPIC, model=ANTHROPIC_MODEL)
    return ModelConfig(provider=Provider.SIMULATED, model="simulated")


def demo_company(environ: Mapping[str, str] | None = None) -> DemoCompany:
    model = demo_model(environ)
    return DemoCompany(
        spec=CompanySpec(
            id="acme",
            name="Acme Robotics",
            prefix="ACME",
            mission="Build friendly warehouse robots that small businesses can afford, and tell the world about them.",
        ),
        goals=["Launch the Acme Picker, our first warehouse robot, to small businesses."],
        agents=[
            AgentSpec(
                name="ceo",
                role="ceo",
                title="Chief Executive Officer",
                capabilities="Sets strategy, breaks goals into tasks and delegates them to the right report.",
                system_prompt=(
                    "You are the CEO of Acme Robotics. Break work into clear tasks, delegate "
                    "engineering to the CTO and marketing to the CMO, and report results concisely."
                ),
                model=model,
            ),
            AgentSpec(
                name="cto",
                role="cto",
                title="Chief Technology Officer",
                capabilities="Robot software and hardware design, technical plans, estimates and risks.",
                system_prompt="You are the CTO of Acme Robotics. Produce concrete, realistic technical plans.",
                model=model,
                reports_to="ceo",
            ),
            AgentSpec(
                name="cmo",
                role="cmo",
                title="Chief Marketing Officer",
                capabilities="Positioning, launch plans, copywriting and customer research.",
                system_prompt="You are the CMO of Acme Robotics. Write crisp, honest marketing material.",
                model=model,
                reports_to="ceo",
            ),
        ],
        first_task=CreateTaskInput(
            title="Plan the launch of our first warehouse robot",
            brief=(
                "Draft a one-page launch plan for the Acme Picker: a technical readiness summary "
                "from engineering and a launch message from marketing. Delegate as you see fit."
            ),
            assignee="ceo",
            priority=Priority.HIGH,
            goal="G1",
        ),
    )
