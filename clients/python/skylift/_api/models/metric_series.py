from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="MetricSeries")



@_attrs_define
class MetricSeries:
    """ One value per bucket in each list (null where there is nothing to show).

        Attributes:
            inputs_per_second (list[float | None]):
            succeeded (list[float | None]):
            failed (list[float | None]):
            success_rate (list[float | None]):
            latency_p50 (list[float | None]):
            latency_p95 (list[float | None]):
            queue_p50 (list[float | None]):
            queue_p95 (list[float | None]):
            cold_start_p50 (list[float | None]):
            cold_starts (list[float | None]):
            pending (list[float | None]):
            running (list[float | None]):
            containers (list[float | None]):
            cpu_cores (list[float | None]):
            memory_gib (list[float | None]):
     """

    inputs_per_second: list[float | None]
    succeeded: list[float | None]
    failed: list[float | None]
    success_rate: list[float | None]
    latency_p50: list[float | None]
    latency_p95: list[float | None]
    queue_p50: list[float | None]
    queue_p95: list[float | None]
    cold_start_p50: list[float | None]
    cold_starts: list[float | None]
    pending: list[float | None]
    running: list[float | None]
    containers: list[float | None]
    cpu_cores: list[float | None]
    memory_gib: list[float | None]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        inputs_per_second = []
        for inputs_per_second_item_data in self.inputs_per_second:
            inputs_per_second_item: float | None
            inputs_per_second_item = inputs_per_second_item_data
            inputs_per_second.append(inputs_per_second_item)



        succeeded = []
        for succeeded_item_data in self.succeeded:
            succeeded_item: float | None
            succeeded_item = succeeded_item_data
            succeeded.append(succeeded_item)



        failed = []
        for failed_item_data in self.failed:
            failed_item: float | None
            failed_item = failed_item_data
            failed.append(failed_item)



        success_rate = []
        for success_rate_item_data in self.success_rate:
            success_rate_item: float | None
            success_rate_item = success_rate_item_data
            success_rate.append(success_rate_item)



        latency_p50 = []
        for latency_p50_item_data in self.latency_p50:
            latency_p50_item: float | None
            latency_p50_item = latency_p50_item_data
            latency_p50.append(latency_p50_item)



        latency_p95 = []
        for latency_p95_item_data in self.latency_p95:
            latency_p95_item: float | None
            latency_p95_item = latency_p95_item_data
            latency_p95.append(latency_p95_item)



        queue_p50 = []
        for queue_p50_item_data in self.queue_p50:
            queue_p50_item: float | None
            queue_p50_item = queue_p50_item_data
            queue_p50.append(queue_p50_item)



        queue_p95 = []
        for queue_p95_item_data in self.queue_p95:
            queue_p95_item: float | None
            queue_p95_item = queue_p95_item_data
            queue_p95.append(queue_p95_item)



        cold_start_p50 = []
        for cold_start_p50_item_data in self.cold_start_p50:
            cold_start_p50_item: float | None
            cold_start_p50_item = cold_start_p50_item_data
            cold_start_p50.append(cold_start_p50_item)



        cold_starts = []
        for cold_starts_item_data in self.cold_starts:
            cold_starts_item: float | None
            cold_starts_item = cold_starts_item_data
            cold_starts.append(cold_starts_item)



        pending = []
        for pending_item_data in self.pending:
            pending_item: float | None
            pending_item = pending_item_data
            pending.append(pending_item)



        running = []
        for running_item_data in self.running:
            running_item: float | None
            running_item = running_item_data
            running.append(running_item)



        containers = []
        for containers_item_data in self.containers:
            containers_item: float | None
            containers_item = containers_item_data
            containers.append(containers_item)



        cpu_cores = []
        for cpu_cores_item_data in self.cpu_cores:
            cpu_cores_item: float | None
            cpu_cores_item = cpu_cores_item_data
            cpu_cores.append(cpu_cores_item)



        memory_gib = []
        for memory_gib_item_data in self.memory_gib:
            memory_gib_item: float | None
            memory_gib_item = memory_gib_item_data
            memory_gib.append(memory_gib_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "inputs_per_second": inputs_per_second,
            "succeeded": succeeded,
            "failed": failed,
            "success_rate": success_rate,
            "latency_p50": latency_p50,
            "latency_p95": latency_p95,
            "queue_p50": queue_p50,
            "queue_p95": queue_p95,
            "cold_start_p50": cold_start_p50,
            "cold_starts": cold_starts,
            "pending": pending,
            "running": running,
            "containers": containers,
            "cpu_cores": cpu_cores,
            "memory_gib": memory_gib,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        inputs_per_second = []
        _inputs_per_second = d.pop("inputs_per_second")
        for inputs_per_second_item_data in (_inputs_per_second):
            def _parse_inputs_per_second_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            inputs_per_second_item = _parse_inputs_per_second_item(inputs_per_second_item_data)

            inputs_per_second.append(inputs_per_second_item)


        succeeded = []
        _succeeded = d.pop("succeeded")
        for succeeded_item_data in (_succeeded):
            def _parse_succeeded_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            succeeded_item = _parse_succeeded_item(succeeded_item_data)

            succeeded.append(succeeded_item)


        failed = []
        _failed = d.pop("failed")
        for failed_item_data in (_failed):
            def _parse_failed_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            failed_item = _parse_failed_item(failed_item_data)

            failed.append(failed_item)


        success_rate = []
        _success_rate = d.pop("success_rate")
        for success_rate_item_data in (_success_rate):
            def _parse_success_rate_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            success_rate_item = _parse_success_rate_item(success_rate_item_data)

            success_rate.append(success_rate_item)


        latency_p50 = []
        _latency_p50 = d.pop("latency_p50")
        for latency_p50_item_data in (_latency_p50):
            def _parse_latency_p50_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            latency_p50_item = _parse_latency_p50_item(latency_p50_item_data)

            latency_p50.append(latency_p50_item)


        latency_p95 = []
        _latency_p95 = d.pop("latency_p95")
        for latency_p95_item_data in (_latency_p95):
            def _parse_latency_p95_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            latency_p95_item = _parse_latency_p95_item(latency_p95_item_data)

            latency_p95.append(latency_p95_item)


        queue_p50 = []
        _queue_p50 = d.pop("queue_p50")
        for queue_p50_item_data in (_queue_p50):
            def _parse_queue_p50_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            queue_p50_item = _parse_queue_p50_item(queue_p50_item_data)

            queue_p50.append(queue_p50_item)


        queue_p95 = []
        _queue_p95 = d.pop("queue_p95")
        for queue_p95_item_data in (_queue_p95):
            def _parse_queue_p95_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            queue_p95_item = _parse_queue_p95_item(queue_p95_item_data)

            queue_p95.append(queue_p95_item)


        cold_start_p50 = []
        _cold_start_p50 = d.pop("cold_start_p50")
        for cold_start_p50_item_data in (_cold_start_p50):
            def _parse_cold_start_p50_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            cold_start_p50_item = _parse_cold_start_p50_item(cold_start_p50_item_data)

            cold_start_p50.append(cold_start_p50_item)


        cold_starts = []
        _cold_starts = d.pop("cold_starts")
        for cold_starts_item_data in (_cold_starts):
            def _parse_cold_starts_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            cold_starts_item = _parse_cold_starts_item(cold_starts_item_data)

            cold_starts.append(cold_starts_item)


        pending = []
        _pending = d.pop("pending")
        for pending_item_data in (_pending):
            def _parse_pending_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            pending_item = _parse_pending_item(pending_item_data)

            pending.append(pending_item)


        running = []
        _running = d.pop("running")
        for running_item_data in (_running):
            def _parse_running_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            running_item = _parse_running_item(running_item_data)

            running.append(running_item)


        containers = []
        _containers = d.pop("containers")
        for containers_item_data in (_containers):
            def _parse_containers_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            containers_item = _parse_containers_item(containers_item_data)

            containers.append(containers_item)


        cpu_cores = []
        _cpu_cores = d.pop("cpu_cores")
        for cpu_cores_item_data in (_cpu_cores):
            def _parse_cpu_cores_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            cpu_cores_item = _parse_cpu_cores_item(cpu_cores_item_data)

            cpu_cores.append(cpu_cores_item)


        memory_gib = []
        _memory_gib = d.pop("memory_gib")
        for memory_gib_item_data in (_memory_gib):
            def _parse_memory_gib_item(data: object) -> float | None:
                if data is None:
                    return data
                return cast(float | None, data)

            memory_gib_item = _parse_memory_gib_item(memory_gib_item_data)

            memory_gib.append(memory_gib_item)


        metric_series = cls(
            inputs_per_second=inputs_per_second,
            succeeded=succeeded,
            failed=failed,
            success_rate=success_rate,
            latency_p50=latency_p50,
            latency_p95=latency_p95,
            queue_p50=queue_p50,
            queue_p95=queue_p95,
            cold_start_p50=cold_start_p50,
            cold_starts=cold_starts,
            pending=pending,
            running=running,
            containers=containers,
            cpu_cores=cpu_cores,
            memory_gib=memory_gib,
        )


        metric_series.additional_properties = d
        return metric_series

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
