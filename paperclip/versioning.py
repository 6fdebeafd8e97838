"""Opt-in Temporal worker versioning: the Worker Deployment Version a worker announces.

With `PAPERCLIP_WORKER_BUILD_ID` set, every worker of the process joins the Worker Deployment
`PAPERCLIP_WORKER_DEPLOYMENT_NAME` as that build. Temporal then hands a workflow task only to the
workers of the version the workflow is on, and new workflows to the deployment's current version,
which changes only when an operator says so (`temporal worker deployment set-current-version`):
a rolling deploy starts the new build beside the old, checks it (`paperclip replay-check`), and
only then makes it current, so no history reaches code that has not been shown to replay it.
"""

from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import WorkerDeploymentConfig

from paperclip.settings import Settings

_BEHAVIOR = {"auto_upgrade": VersioningBehavior.AUTO_UPGRADE, "pinned": VersioningBehavior.PINNED}


def deployment_version(settings: Settings) -> WorkerDeploymentVersion | None:
    """This worker's version, or None when versioning is off (no build id)."""
    if settings.worker_build_id is None:
        return None
    return WorkerDeploymentVersion(deployment_name=settings.worker_deployment_name, build_id=settings.worker_build_id)


def deployment_config(settings: Settings) -> WorkerDeploymentConfig | None:
    """The `Worker(deployment_config=…)` of the settings, or None when versioning is off."""
    version = deployment_version(settings)
    if version is None:
        return None
    return WorkerDeploymentConfig(
        version=version,
        use_worker_versioning=True,
        default_versioning_behavior=_BEHAVIOR[settings.worker_versioning_behavior],
    )
