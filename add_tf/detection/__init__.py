"""Local detection (add_tf.detect's library): a trained model scores the faces of images and
videos, each face cut as the model's training crops were.

    model_recipe  the crop recipe a model was trained with (SavedModel or run), checked
    scorer        loading a model (SavedModel, run dir, .keras) as uint8 crops -> p(fake)
    face_crops    an image or frame -> its faces, cut by the recipe
    analysis      inputs (files, folders) -> one report entry each: per face, frame, video
    report        the report's data: the model, the settings, the counts, the entries
"""
