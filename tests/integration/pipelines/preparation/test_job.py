import pytest

from pipelines.preparation import job


def test_runners_cover_the_names_beam_knows():
    from apache_beam.options.pipeline_options import StandardOptions

    assert set(StandardOptions.ALL_KNOWN_RUNNERS) <= set(job.RUNNERS.values())


def test_each_runner_gets_its_defaults_unless_given():
    from apache_beam.options.pipeline_options import DirectOptions

    direct = job._pipeline_options(job.RUNNERS["DirectRunner"], [], "WARNING", 3)
    assert direct.view_as(DirectOptions).direct_running_mode == "multi_processing"
    given = job._pipeline_options(job.RUNNERS["DirectRunner"],
                                  ["--direct_running_mode=in_memory"], "WARNING", 3)
    assert given.view_as(DirectOptions).direct_running_mode == "in_memory"

    pytest.importorskip("distributed")
    from apache_beam.runners.dask.dask_runner import DaskOptions

    def dask(*beam_args):
        options = job._pipeline_options(job.RUNNERS["DaskRunner"], beam_args, "WARNING", 7)
        return options.view_as(DaskOptions)

    assert dask("--dask_client_address=tcp://h:8786").npartitions == 7  # one task per shard
    assert dask("--dask_client_address=tcp://h:8786").address == "tcp://h:8786"
    assert dask("--dask_npartitions=2").npartitions == 2
    assert dask("--dask_partition_size=4").npartitions is None
