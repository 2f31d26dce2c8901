"""The MLflow "models from code" definition behind every logged stancebench model.

MLflow stores this file instead of a pickled Python object; on load, the saved model folder
(skops or safetensors, see `stancebench.models`) is read back from the model's artifacts, with the
same checks as `stancebench.load_model` (skops allow-list; safetensors only).

Inputs are checked as in `model.predict_proba`: a pair model refuses a target it was not trained on
(the error names the known ones) unless the request asks `params={"allow_new_targets": true}` and
the model can answer one (its `new_targets`); a model without a target input refuses a `target`
column.
"""

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel


class StancebenchModel(PythonModel):
    def load_context(self, context):
        from stancebench.models import load_saved

        self.model = load_saved(context.artifacts["model"])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        from stancebench.tracking import predictions_frame

        # MLflow passes only the params the model's signature declares; without one, the default
        allow_new_targets = bool((params or {}).get("allow_new_targets", False))
        try:
            return predictions_frame(self.model, model_input, allow_new_targets=allow_new_targets)
        except (ValueError, TypeError) as err:  # the caller's input, said plainly (REST: a 400 with this message)
            from mlflow.exceptions import MlflowException

            raise MlflowException.invalid_parameter_value(str(err)) from err


mlflow.models.set_model(StancebenchModel())
