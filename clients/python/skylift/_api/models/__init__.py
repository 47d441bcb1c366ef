""" Contains all the data models used in inputs/outputs """

from .added import Added
from .alert_webhook import AlertWebhook
from .alert_webhook_request import AlertWebhookRequest
from .api_token import ApiToken
from .api_token_created import ApiTokenCreated
from .api_token_request import ApiTokenRequest
from .app import App
from .app_request import AppRequest
from .app_version import AppVersion
from .audit_event import AuditEvent
from .autoscaler_request import AutoscalerRequest
from .base_enum import BaseEnum
from .budget import Budget
from .budget_request import BudgetRequest
from .build import Build
from .build_detail import BuildDetail
from .build_log_entry import BuildLogEntry
from .build_log_page import BuildLogPage
from .build_status_enum import BuildStatusEnum
from .build_step import BuildStep
from .build_step_status_enum import BuildStepStatusEnum
from .call_attempt import CallAttempt
from .call_create_request import CallCreateRequest
from .call_created import CallCreated
from .call_graph import CallGraph
from .call_graph_input import CallGraphInput
from .call_graph_input_children_item import CallGraphInputChildrenItem
from .call_input_report import CallInputReport
from .call_inputs_request import CallInputsRequest
from .call_log_line import CallLogLine
from .call_report import CallReport
from .call_report_counts import CallReportCounts
from .call_row import CallRow
from .cap_check import CapCheck
from .change_enum import ChangeEnum
from .cold_start_breakdown import ColdStartBreakdown
from .cold_start_stage import ColdStartStage
from .cold_starts import ColdStarts
from .deploy_marker import DeployMarker
from .deploy_request import DeployRequest
from .deployed import Deployed
from .deployed_function_request import DeployedFunctionRequest
from .deployed_function_request_definition import DeployedFunctionRequestDefinition
from .deployed_function_request_volumes_item import DeployedFunctionRequestVolumesItem
from .dict_ import Dict
from .dict_detail import DictDetail
from .dict_put_request import DictPutRequest
from .entries import Entries
from .entry import Entry
from .entry_in_request import EntryInRequest
from .environment import Environment
from .environment_request import EnvironmentRequest
from .field_change import FieldChange
from .file_change import FileChange
from .found import Found
from .function import Function
from .function_call import FunctionCall
from .function_call_status_enum import FunctionCallStatusEnum
from .function_change import FunctionChange
from .function_create_request import FunctionCreateRequest
from .function_create_request_definition import FunctionCreateRequestDefinition
from .function_create_request_volumes_item import FunctionCreateRequestVolumesItem
from .function_idle import FunctionIdle
from .function_metrics import FunctionMetrics
from .function_variant_request import FunctionVariantRequest
from .function_variant_request_options import FunctionVariantRequestOptions
from .function_web_custom_urls import FunctionWebCustomUrls
from .function_web_urls import FunctionWebUrls
from .functions_metrics_retrieve_window import FunctionsMetricsRetrieveWindow
from .image import Image
from .image_ensured import ImageEnsured
from .image_spec_request import ImageSpecRequest
from .image_spec_request_mounts_item import ImageSpecRequestMountsItem
from .image_spec_request_registry_secret_item import ImageSpecRequestRegistrySecretItem
from .image_spec_request_steps_item import ImageSpecRequestStepsItem
from .image_status_enum import ImageStatusEnum
from .input_ids import InputIds
from .invitation_accept_request import InvitationAcceptRequest
from .invitation_preview import InvitationPreview
from .invitation_request import InvitationRequest
from .invite import Invite
from .invite_create_request import InviteCreateRequest
from .invite_created import InviteCreated
from .invite_state_enum import InviteStateEnum
from .item_page import ItemPage
from .json_call_request import JsonCallRequest
from .json_call_request_kwargs import JsonCallRequestKwargs
from .json_call_request_params import JsonCallRequestParams
from .json_result import JsonResult
from .key_request import KeyRequest
from .kind_enum import KindEnum
from .len_ import Len
from .log_entry import LogEntry
from .log_line import LogLine
from .log_line_page import LogLinePage
from .log_page import LogPage
from .logs_download_retrieve_stream import LogsDownloadRetrieveStream
from .logs_list_stream import LogsListStream
from .member import Member
from .metric_series import MetricSeries
from .metric_totals import MetricTotals
from .mount import Mount
from .mount_create_request import MountCreateRequest
from .output import Output
from .output_item import OutputItem
from .output_page import OutputPage
from .paginated_api_token_list import PaginatedApiTokenList
from .paginated_app_list import PaginatedAppList
from .paginated_audit_event_list import PaginatedAuditEventList
from .paginated_budget_list import PaginatedBudgetList
from .paginated_build_list import PaginatedBuildList
from .paginated_call_row_list import PaginatedCallRowList
from .paginated_dict_list import PaginatedDictList
from .paginated_environment_list import PaginatedEnvironmentList
from .paginated_function_list import PaginatedFunctionList
from .paginated_image_list import PaginatedImageList
from .paginated_invite_list import PaginatedInviteList
from .paginated_member_list import PaginatedMemberList
from .paginated_proxy_token_list import PaginatedProxyTokenList
from .paginated_queue_list import PaginatedQueueList
from .paginated_sandbox_list import PaginatedSandboxList
from .paginated_secret_list import PaginatedSecretList
from .paginated_service_token_list import PaginatedServiceTokenList
from .paginated_task_list import PaginatedTaskList
from .paginated_volume_list import PaginatedVolumeList
from .patched_member_update_request import PatchedMemberUpdateRequest
from .patched_secret_edit_request import PatchedSecretEditRequest
from .patched_secret_edit_request_set import PatchedSecretEditRequestSet
from .patched_workspace_settings_request import PatchedWorkspaceSettingsRequest
from .peek import Peek
from .peek_item import PeekItem
from .period_enum import PeriodEnum
from .proxy_token import ProxyToken
from .proxy_token_create_request import ProxyTokenCreateRequest
from .proxy_token_created import ProxyTokenCreated
from .queue import Queue
from .queue_clear_request import QueueClearRequest
from .queue_detail import QueueDetail
from .queue_get_request import QueueGetRequest
from .queue_put_request import QueuePutRequest
from .removed import Removed
from .role_enum import RoleEnum
from .rollback_preview import RollbackPreview
from .rollback_request import RollbackRequest
from .sandbox import Sandbox
from .sandbox_create_request import SandboxCreateRequest
from .sandbox_create_request_tags import SandboxCreateRequestTags
from .sandbox_log_line import SandboxLogLine
from .sandbox_logs import SandboxLogs
from .sandbox_processes import SandboxProcesses
from .sandbox_tags_request import SandboxTagsRequest
from .sandbox_tags_request_tags import SandboxTagsRequestTags
from .sandbox_terminated import SandboxTerminated
from .sandbox_tunnel import SandboxTunnel
from .sandbox_tunnels import SandboxTunnels
from .scope_enum import ScopeEnum
from .secret import Secret
from .secret_action_enum import SecretActionEnum
from .secret_create_request import SecretCreateRequest
from .secret_create_request_values import SecretCreateRequestValues
from .secret_event import SecretEvent
from .secret_replace_request import SecretReplaceRequest
from .secret_replace_request_values import SecretReplaceRequestValues
from .service_token import ServiceToken
from .service_token_created import ServiceTokenCreated
from .service_token_request import ServiceTokenRequest
from .service_token_role_enum import ServiceTokenRoleEnum
from .session import Session
from .session_switch_request import SessionSwitchRequest
from .session_workspace import SessionWorkspace
from .sign_in_request import SignInRequest
from .standing_cost import StandingCost
from .state_create_request import StateCreateRequest
from .state_enum import StateEnum
from .statement import Statement
from .statement_line import StatementLine
from .stream_enum import StreamEnum
from .task import Task
from .task_current_inputs_item import TaskCurrentInputsItem
from .task_status_enum import TaskStatusEnum
from .type_enum import TypeEnum
from .usage_report import UsageReport
from .usage_retrieve_by import UsageRetrieveBy
from .usage_retrieve_granularity import UsageRetrieveGranularity
from .usage_row import UsageRow
from .user import User
from .values import Values
from .version_ref import VersionRef
from .volume import Volume
from .volume_create_request import VolumeCreateRequest
from .volume_entry import VolumeEntry
from .volume_entry_type_enum import VolumeEntryTypeEnum
from .volume_listing import VolumeListing
from .volume_upload import VolumeUpload
from .workspace import Workspace
from .workspace_settings import WorkspaceSettings
from .workspace_settings_limits import WorkspaceSettingsLimits
from .written import Written

__all__ = (
    "Added",
    "AlertWebhook",
    "AlertWebhookRequest",
    "ApiToken",
    "ApiTokenCreated",
    "ApiTokenRequest",
    "App",
    "AppRequest",
    "AppVersion",
    "AuditEvent",
    "AutoscalerRequest",
    "BaseEnum",
    "Budget",
    "BudgetRequest",
    "Build",
    "BuildDetail",
    "BuildLogEntry",
    "BuildLogPage",
    "BuildStatusEnum",
    "BuildStep",
    "BuildStepStatusEnum",
    "CallAttempt",
    "CallCreated",
    "CallCreateRequest",
    "CallGraph",
    "CallGraphInput",
    "CallGraphInputChildrenItem",
    "CallInputReport",
    "CallInputsRequest",
    "CallLogLine",
    "CallReport",
    "CallReportCounts",
    "CallRow",
    "CapCheck",
    "ChangeEnum",
    "ColdStartBreakdown",
    "ColdStarts",
    "ColdStartStage",
    "Deployed",
    "DeployedFunctionRequest",
    "DeployedFunctionRequestDefinition",
    "DeployedFunctionRequestVolumesItem",
    "DeployMarker",
    "DeployRequest",
    "Dict",
    "DictDetail",
    "DictPutRequest",
    "Entries",
    "Entry",
    "EntryInRequest",
    "Environment",
    "EnvironmentRequest",
    "FieldChange",
    "FileChange",
    "Found",
    "Function",
    "FunctionCall",
    "FunctionCallStatusEnum",
    "FunctionChange",
    "FunctionCreateRequest",
    "FunctionCreateRequestDefinition",
    "FunctionCreateRequestVolumesItem",
    "FunctionIdle",
    "FunctionMetrics",
    "FunctionsMetricsRetrieveWindow",
    "FunctionVariantRequest",
    "FunctionVariantRequestOptions",
    "FunctionWebCustomUrls",
    "FunctionWebUrls",
    "Image",
    "ImageEnsured",
    "ImageSpecRequest",
    "ImageSpecRequestMountsItem",
    "ImageSpecRequestRegistrySecretItem",
    "ImageSpecRequestStepsItem",
    "ImageStatusEnum",
    "InputIds",
    "InvitationAcceptRequest",
    "InvitationPreview",
    "InvitationRequest",
    "Invite",
    "InviteCreated",
    "InviteCreateRequest",
    "InviteStateEnum",
    "ItemPage",
    "JsonCallRequest",
    "JsonCallRequestKwargs",
    "JsonCallRequestParams",
    "JsonResult",
    "KeyRequest",
    "KindEnum",
    "Len",
    "LogEntry",
    "LogLine",
    "LogLinePage",
    "LogPage",
    "LogsDownloadRetrieveStream",
    "LogsListStream",
    "Member",
    "MetricSeries",
    "MetricTotals",
    "Mount",
    "MountCreateRequest",
    "Output",
    "OutputItem",
    "OutputPage",
    "PaginatedApiTokenList",
    "PaginatedAppList",
    "PaginatedAuditEventList",
    "PaginatedBudgetList",
    "PaginatedBuildList",
    "PaginatedCallRowList",
    "PaginatedDictList",
    "PaginatedEnvironmentList",
    "PaginatedFunctionList",
    "PaginatedImageList",
    "PaginatedInviteList",
    "PaginatedMemberList",
    "PaginatedProxyTokenList",
    "PaginatedQueueList",
    "PaginatedSandboxList",
    "PaginatedSecretList",
    "PaginatedServiceTokenList",
    "PaginatedTaskList",
    "PaginatedVolumeList",
    "PatchedMemberUpdateRequest",
    "PatchedSecretEditRequest",
    "PatchedSecretEditRequestSet",
    "PatchedWorkspaceSettingsRequest",
    "Peek",
    "PeekItem",
    "PeriodEnum",
    "ProxyToken",
    "ProxyTokenCreated",
    "ProxyTokenCreateRequest",
    "Queue",
    "QueueClearRequest",
    "QueueDetail",
    "QueueGetRequest",
    "QueuePutRequest",
    "Removed",
    "RoleEnum",
    "RollbackPreview",
    "RollbackRequest",
    "Sandbox",
    "SandboxCreateRequest",
    "SandboxCreateRequestTags",
    "SandboxLogLine",
    "SandboxLogs",
    "SandboxProcesses",
    "SandboxTagsRequest",
    "SandboxTagsRequestTags",
    "SandboxTerminated",
    "SandboxTunnel",
    "SandboxTunnels",
    "ScopeEnum",
    "Secret",
    "SecretActionEnum",
    "SecretCreateRequest",
    "SecretCreateRequestValues",
    "SecretEvent",
    "SecretReplaceRequest",
    "SecretReplaceRequestValues",
    "ServiceToken",
    "ServiceTokenCreated",
    "ServiceTokenRequest",
    "ServiceTokenRoleEnum",
    "Session",
    "SessionSwitchRequest",
    "SessionWorkspace",
    "SignInRequest",
    "StandingCost",
    "StateCreateRequest",
    "StateEnum",
    "Statement",
    "StatementLine",
    "StreamEnum",
    "Task",
    "TaskCurrentInputsItem",
    "TaskStatusEnum",
    "TypeEnum",
    "UsageReport",
    "UsageRetrieveBy",
    "UsageRetrieveGranularity",
    "UsageRow",
    "User",
    "Values",
    "VersionRef",
    "Volume",
    "VolumeCreateRequest",
    "VolumeEntry",
    "VolumeEntryTypeEnum",
    "VolumeListing",
    "VolumeUpload",
    "Workspace",
    "WorkspaceSettings",
    "WorkspaceSettingsLimits",
    "Written",
)
