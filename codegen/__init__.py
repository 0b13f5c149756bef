"""LayerLoom's Keras bridge: build, summary, synthetic fit, Python export, import.

The only package that touches Keras/TensorFlow, and only inside functions: importing ``codegen``
(or its Python export) never loads TensorFlow.
"""
