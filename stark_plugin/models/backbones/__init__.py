from .repvgg import RepVGG, RepVGGBlock, reparameterize

__all__ = ['RepVGG', 'RepVGGBlock', 'reparameterize']
