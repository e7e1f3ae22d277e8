"""Every API the sandbox serves, one instance each (deterministic data per seed)."""

from __future__ import annotations

from autonomos_pipelines.sandbox.apis.aws_cost import AwsCostApi
from autonomos_pipelines.sandbox.apis.base import SandboxApi
from autonomos_pipelines.sandbox.apis.dynamics365 import Dynamics365Api
from autonomos_pipelines.sandbox.apis.github import GitHubApi
from autonomos_pipelines.sandbox.apis.google_analytics import GoogleAnalyticsApi
from autonomos_pipelines.sandbox.apis.hubspot import HubSpotApi
from autonomos_pipelines.sandbox.apis.intercom import IntercomApi
from autonomos_pipelines.sandbox.apis.mailchimp import MailchimpApi
from autonomos_pipelines.sandbox.apis.pipedrive import PipedriveApi
from autonomos_pipelines.sandbox.apis.salesforce import SalesforceApi
from autonomos_pipelines.sandbox.apis.slack import SlackApi
from autonomos_pipelines.sandbox.apis.stripe import StripeApi
from autonomos_pipelines.sandbox.apis.zendesk import ZendeskApi

API_CLASSES: list[type[SandboxApi]] = [
    AwsCostApi,
    Dynamics365Api,
    GitHubApi,
    GoogleAnalyticsApi,
    HubSpotApi,
    IntercomApi,
    MailchimpApi,
    PipedriveApi,
    SalesforceApi,
    SlackApi,
    StripeApi,
    ZendeskApi,
]


def all_apis(seed: int = 0) -> list[SandboxApi]:
    """seed 0 gives each API its own fixed default seed."""
    return [cls(seed) for cls in API_CLASSES]
