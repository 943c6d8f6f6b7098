print("engine-benchmark: placeholder")
