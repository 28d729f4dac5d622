from .quota_sampler import QuotaSampler
from .video_sampler import VideoSampler, split_videos

__all__ = ['QuotaSampler', 'VideoSampler', 'split_videos']
