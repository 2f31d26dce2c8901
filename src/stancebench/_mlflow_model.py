"""The MLflow "models from code" definition behind every logged stancebench model.

MLflow stores this file instead of a pickled Python object; on load, the saved model folder
(skops or safetensors, see `stancebench.models`) is read back from the model's artifacts.
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

        return predictions_frame(self.model, model_input)


mlflow.models.set_model(StancebenchModel())
