"""The comparison survey's models live with the captured data (:mod:`mrc.survey.models`);
the impact estimates read them. Re-exported here for the code that reads them as impact's."""

from mrc.survey.models import ComparisonRespondent, ComparisonResponse

__all__ = ["ComparisonRespondent", "ComparisonResponse"]
