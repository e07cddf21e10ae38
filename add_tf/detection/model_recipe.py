"""The crop recipe (add_tf.media.crop_recipe) a model was trained with, read where it travels:
a SavedModel's `crop` metadata (add_tf.serving.export), a run's model card (its records'
manifest). A model that records none (made before recipes were kept) gets the defaults at its
input size and one warning; a recipe this add_tf cannot reproduce is a UsageError."""

import pathlib

from add_tf.core.errors import UsageError
from add_tf.media.crop_recipe import CropRecipe
from add_tf.serving.export import read_metadata
from add_tf.training import model_card

NO_RECIPE_WARNING = ("WARNING: {source} records no crop recipe (made before add_tf kept one): "
                     "its faces are cut by the defaults ({recipe}), which may not be how its "
                     "training crops were cut.")


def recorded(path):
    """The recipe's fields recorded with the model at `path` (a SavedModel version dir, a run
    dir or its student.keras), None when none is."""
    path = pathlib.Path(path)
    if (path / "saved_model.pb").is_file():
        return read_metadata(path).get("crop")
    try:
        card = model_card.read_card(path)
    except ValueError:  # an unreadable card file records nothing
        return None
    return (card or {}).get("crop")


def for_models(paths, size):
    """(CropRecipe, warnings) of the models at `paths` ({source: path}, a source like
    "--model DIR" naming one in messages): the recipe they record, else the defaults at `size`
    px with NO_RECIPE_WARNING. UsageError when one cannot be reproduced, or two differ."""
    found = {source: CropRecipe.from_dict(recorded(path), source)
             for source, path in paths.items()}
    recipes = {source: recipe for source, recipe in found.items() if recipe is not None}
    if len(set(recipes.values())) > 1:
        raise UsageError("the models were trained on faces cut differently (" + "; ".join(
            f"{source}: {recipe.describe()}" for source, recipe in recipes.items())
            + "); give models trained on the same records")
    if recipes:
        return next(iter(recipes.values())), []
    recipe = CropRecipe(size=size)
    return recipe, [NO_RECIPE_WARNING.format(source=" and ".join(paths), recipe=recipe.describe())]
