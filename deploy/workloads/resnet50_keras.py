#!/usr/bin/env python3
"""The original experiment's workload, fixed: a Keras ResNet50 (ImageNet
weights) classifying the photos of a directory, counting how many it calls
a hot dog. For nodes that have TensorFlow (POWER nodes included, where
onnxruntime-node has no build); profile it with

    powerprof-agent run --repeat 11 -- python3 resnet50_keras.py PHOTOS_DIR [LIMIT]

Prints RIGHTS, WRONGS, ACC and Time Elapsed, which the agent records, plus
items and images/s. The original assigned into an empty list by index and
misspelled len(); both are fixed here.
"""
import os
import sys
import time


def main(argv):
    if len(argv) < 2:
        print("usage: resnet50_keras.py PHOTOS_DIR [LIMIT] [TARGET=hotdog]", file=sys.stderr)
        return 2
    photos = argv[1]
    limit = int(argv[2]) if len(argv) > 2 else None
    target = argv[3] if len(argv) > 3 else "hotdog"

    # Imported here so that "--help"-style mistakes fail fast, without loading TensorFlow.
    import numpy as np
    from tensorflow.keras.applications.resnet50 import ResNet50, decode_predictions, preprocess_input
    from tensorflow.keras.preprocessing import image

    names = sorted(n for n in os.listdir(photos) if n.lower().endswith((".jpg", ".jpeg", ".png")))
    if limit is not None:
        names = names[:limit]
    if not names:
        print("no photos in %s" % photos, file=sys.stderr)
        return 2

    model = ResNet50(weights="imagenet")
    predictions = []  # appended to, not assigned by index into an empty list
    started = time.time()
    for name in names:
        img = image.load_img(os.path.join(photos, name), target_size=(224, 224))
        batch = preprocess_input(np.expand_dims(image.img_to_array(img), axis=0))
        top = decode_predictions(model.predict(batch, verbose=0), top=1)[0][0]
        predictions.append(top[1])
    elapsed = time.time() - started

    rights = sum(1 for label in predictions if target.lower() in label.lower())
    wrongs = len(predictions) - rights
    print("RIGHTS: %d" % rights)
    print("WRONGS: %d" % wrongs)
    print("ACC: %.4f" % (rights / len(predictions)))
    print("Time Elapsed: %.3fs" % elapsed)
    print("items: %d" % len(predictions))
    print("images/s: %.2f" % (len(predictions) / elapsed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
